"""Audit's own metrics, beside the ones every service has (shared.metrics). No personal data in labels."""
from prometheus_client import Gauge, Histogram

from shared.metrics import LATENCY_BUCKETS

LEDGER_ENTRIES = Gauge("peernet_audit_ledger_entries", "Entries in the audit ledger (the chain's head)")
VERIFY_OK = Gauge("peernet_audit_verify_ok", "1 if the last verify passed, 0 if it found a problem", ["check"])
VERIFY_SECONDS = Histogram("peernet_audit_verify_seconds", "Time to verify the ledger and the sources",
                           buckets=LATENCY_BUCKETS + (30, 60, 300))
