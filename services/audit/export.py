"""History as CSV or JSON Lines: every ledger column, never a personal field (the ledger holds none)."""
from __future__ import annotations

import csv
import io
import json

from services.audit.ledger import COLUMNS


def render(entries: list[dict], format_: str, header: bool) -> str:
    if format_ == "jsonl":
        return "".join(json.dumps(entry, separators=(",", ":")) + "\n" for entry in entries)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows([entry[name] for name in COLUMNS] for entry in entries)
    return out.getvalue()
