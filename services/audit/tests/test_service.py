"""AuditService as nameko runs it: who may read the ledger and who may break the glass."""
from __future__ import annotations

import uuid

import pytest
from nameko.testing.services import worker_factory

from services.audit.setup import setup
from services.audit.service import AuditService
from services.audit.tests.support import AUDITOR, NAME, Sources, catch_up, consumer, profile, ADMIN
from services.intake.setup import setup as intake_setup
from shared.errors import NotAllowed
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


@pytest.fixture
def audit(app_factory):
    intake = app_factory(intake_setup)
    audit = app_factory(setup)
    intake.perform("record_peer_worker_profile", ADMIN, profile())
    catch_up(consumer(audit, Sources(intake=intake, audit=audit)))
    return audit


def as_role(role: str) -> Caller:
    return Caller(user_id=f"{role}-1", role=role, organization_id="org-harbor")


@pytest.mark.parametrize("role", ["person", "peer", "supervisor", "agency_admin"])
def test_only_state_auditors_read_the_ledger(audit, role):
    service = worker_factory(AuditService, application=audit, caller=as_role(role))
    for call in (lambda: service.history({}), lambda: service.export({"format": "csv"}),
                 lambda: service.verify(), lambda: service.checkpoints(), lambda: service.figures(),
                 lambda: service.open_break_glass({}), lambda: service.personal_fields({})):
        with pytest.raises(NotAllowed):
            call()


def test_a_call_without_a_caller_is_refused(audit):
    with pytest.raises(NotAllowed):
        worker_factory(AuditService, application=audit, caller=None).history({})


def test_a_state_auditor_reads_redacted_history_verifies_and_gets_signed_checkpoints(audit):
    service = worker_factory(AuditService, application=audit, caller=AUDITOR)
    [entry] = service.history({})["entries"]
    assert entry["type"] == "PeerWorkerProfiled" and NAME not in str(entry)
    assert service.verify()["ok"]
    kept = service.checkpoints()  # the first page signs the head
    assert [c["seq"] for c in kept["items"]] == [1] and kept["next_after"] is None
    assert kept["public_key"] == audit.signer.public_key
    assert service.verify(True, kept["items"])["ok"]


def test_the_system_may_not_break_the_glass(audit):
    service = worker_factory(AuditService, application=audit, caller=as_role("system"))
    with pytest.raises(NotAllowed):
        service.open_break_glass({"person_id": str(uuid.uuid4()), "reason": "legal_request", "reference": "L-1"})


def test_the_timer_signs_the_head(audit):
    assert audit.ledger.checkpoints() == []
    worker_factory(AuditService, application=audit).sign_head()
    [checkpoint] = audit.ledger.checkpoints()
    assert (checkpoint["seq"], checkpoint["hash"]) == audit.ledger.head()
