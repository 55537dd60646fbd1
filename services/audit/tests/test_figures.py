"""Figures fed by matching, supervision and directory events: connections, days waited, short of supervision."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from functools import partial

import pytest

from services.audit.setup import setup
from services.audit.tests.support import ADMIN, AUDITOR
from shared import contracts
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


class Source:
    """One source's events as audit receives them, at rising positions."""

    def __init__(self, audit, name):
        self.audit, self.name, self.position = audit, name, audit.position_in(name)

    def send(self, type_, body, subject, when="2026-03-02T10:00:00+00:00", version=1):
        self.position += 1
        built = contracts.build(source=self.name, position=self.position, type_=type_, body=body,
                                occurred_at=when, actor=ADMIN.as_actor(), subject_id=subject, version=version)
        assert self.audit.process_upstream(contracts.parse(built.as_message()))


@pytest.fixture
def audit(app_factory):
    return app_factory(setup)


def connect(matching, requested, began, ended=None, region="Hampden County", version=2):
    person, connection = str(uuid.uuid4()), str(uuid.uuid4())
    where = {"region": region} if version == 2 else {}
    if requested:
        matching.send("OffersRequested", {"person_id": person, "request_id": str(uuid.uuid4())}, person, requested)
    matching.send("ConnectionBegan", {"connection_id": connection, "person_id": person,
                                      "peer_worker_id": str(uuid.uuid4()), **where}, person, began, version)
    if ended:
        matching.send("ConnectionEnded", {"connection_id": connection, **where}, connection, ended, version)


def test_connections_started_and_ended_by_month_and_region_with_small_counts_suppressed(audit):
    matching = Source(audit, "matching")
    for _ in range(12):
        connect(matching, "2026-02-25T09:00:00Z", "2026-03-03T09:00:00Z")
    for _ in range(2):
        connect(matching, "2026-03-01T09:00:00Z", "2026-03-20T09:00:00Z", ended="2026-04-02T09:00:00Z",
                region="remote")
    connect(matching, None, "2026-03-21T09:00:00Z", version=1)  # published before regions
    started = audit.perform("figures", AUDITOR)["connections_started_by_month_and_region"]
    assert {row["row"]: row["cells"] for row in started["rows"]} == {
        "2026-03": {"Hampden County": 12, "remote": "1-10", "region not recorded": "1-10"}}
    assert started["rows"][0]["total"] == "14-32"  # never 15: that would give back the two suppressed cells
    assert started["column_totals"] == {"Hampden County": 12, "remote": "1-10", "region not recorded": "1-10"}
    ended = audit.perform("figures", AUDITOR)["connections_ended_by_month_and_region"]
    assert {row["row"]: row["cells"] for row in ended["rows"]} == {"2026-04": {"remote": "1-10"}}
    assert ended["total"] == "1-10"
    # its exact monthly totals would undo the regions'
    assert "connections_by_month" not in audit.perform("figures", AUDITOR)


@pytest.mark.parametrize("hidden", range(1, 11))
def test_no_region_figure_changes_with_a_suppressed_count(app_factory, hidden):
    """Whatever a suppressed cell holds (1 to 10), everything shown about connections by region is the same."""
    audit = app_factory(setup)
    matching = Source(audit, "matching")
    for _ in range(11):
        connect(matching, None, "2026-05-03T09:00:00Z", ended="2026-06-01T09:00:00Z")
    for _ in range(hidden):
        connect(matching, None, "2026-05-04T09:00:00Z", ended="2026-06-02T09:00:00Z", region="Berkshire County")
    shown = {name: audit.perform("figures", AUDITOR)[name] for name in ("connections_started_by_month_and_region",
                                                      "connections_ended_by_month_and_region")}
    assert shown["connections_started_by_month_and_region"]["rows"] == [
        {"row": "2026-05", "cells": {"Berkshire County": "1-10", "Hampden County": 11}, "total": "12-21"}]
    assert shown["connections_ended_by_month_and_region"]["total"] == "12-21"


def test_an_ending_counts_by_its_region_even_without_its_beginning(audit):
    matching = Source(audit, "matching")
    for _ in range(11):
        matching.send("ConnectionEnded", {"connection_id": str(uuid.uuid4()), "region": "Franklin County"},
                      "c", "2026-07-01T09:00:00Z", 2)
    shown = audit.perform("figures", AUDITOR)["connections_ended_by_month_and_region"]
    assert shown["rows"] == [{"row": "2026-07", "cells": {"Franklin County": 11}, "total": 11}]
    assert audit.perform("figures", AUDITOR)["connections_started_by_month_and_region"]["rows"] == []


def test_days_from_request_to_connection_as_median_and_90th_percentile_never_counts(audit):
    matching = Source(audit, "matching")
    for waited in range(1, 12):  # 11 waits in March: 1 to 11 days
        connect(matching, "2026-03-01T09:00:00Z", f"2026-03-{1 + waited:02d}T09:00:00Z")
    connect(matching, None, "2026-03-20T09:00:00Z")  # no request seen: no wait to count
    connect(matching, "2026-04-01T09:00:00Z", "2026-04-05T09:00:00Z")  # April: one wait, suppressed
    rows = audit.perform("figures", AUDITOR)["days_from_request_to_connection_by_month"]["rows"]
    assert rows == [{"row": "2026-03", "median_days": 6, "p90_days": 10, "waits": "over 10"},
                    {"row": "2026-04", "median_days": None, "p90_days": None, "waits": "1-10"}]


def test_a_forgotten_persons_request_is_not_kept(audit):
    matching = Source(audit, "matching")
    person = str(uuid.uuid4())
    matching.send("OffersRequested", {"person_id": person, "request_id": "r-1"}, person, "2026-01-01T09:00:00Z")
    matching.send("PersonMatchingCleared", {"person_id": person}, person)
    with audit.ledger.reading() as db:
        assert db.execute(f"SELECT COUNT(*) FROM {audit.ledger.table('open_requests')}").fetchone()[0] == 0


def test_peer_workers_short_of_supervision_by_organization(audit):
    directory, supervision = Source(audit, "directory"), Source(audit, "supervision")
    workers = {str(uuid.uuid4()): "org-harbor" if i < 11 else "org-lantern" for i in range(13)}
    for worker, organization in workers.items():
        directory.send("EmploymentBegan", {
            "peer_worker_id": worker, "employment_id": str(uuid.uuid4()), "organization_id": organization,
            "role_title": "peer specialist", "hours_per_week": 20, "start": "2026-01-05", "end": None,
            "certify_by": None}, worker)
    for worker in workers:  # twice each: a peer worker short of two requirements counts once
        for requirement in ("session_cadence", "first_period_hours"):
            supervision.send("SupervisionOverdue", {"peer_worker_id": worker, "requirement": requirement,
                                                    "due_on": "2026-03-01", "detected_on": "2026-03-02"}, worker)
    shown = audit.perform("figures", AUDITOR)["peer_workers_short_of_supervision_by_organization_and_month"]
    assert {row["row"]: row["cells"] for row in shown["rows"]} == {
        "org-harbor": {"2026-03": 11}, "org-lantern": {"2026-03": "1-10"}}
    assert shown["total"] == "12-21"
    assert audit.perform("verify", AUDITOR, False)["chain"]["ok"]


def test_rebuilding_the_ledger_clears_the_figures(audit):
    connect(Source(audit, "matching"), "2026-02-25T09:00:00Z", "2026-03-03T09:00:00Z")
    audit.ledger.clear()
    assert audit.perform("figures", AUDITOR)["connections_started_by_month_and_region"]["rows"] == []


def test_hours_reported_on_a_wednesday_before_iso_weeks_count_once_in_their_mondays_week(audit):
    directory, agreement = Source(audit, "directory"), str(uuid.uuid4())
    directory.send("SubcontractAgreementMade", {
        "agreement_id": agreement, "buyer_id": "org-agency", "provider_id": "org-harbor",
        "hours_per_week": 20, "amount": 1000, "start": "2026-03-02", "end": "2026-12-31",
        "provider_duties": [], "duties": ["Share lived experience"]},
        agreement)
    # Old reports (version 1): the Monday's, then a Wednesday's of the same ISO week, which replaces it.
    for day, hours in (("2026-03-02", 12), ("2026-03-04", 15), ("2026-03-11", 20)):
        directory.send("SubcontractHoursDelivered", {"agreement_id": agreement, "week_start": day,
                                                     "hours_delivered": hours, "hours_agreed": 20}, agreement)
    [march] = audit.perform("figures", AUDITOR)["subcontract_hours_by_month_and_provider"]
    assert (march["month"], march["provider_id"]) == ("2026-03", "org-harbor")
    assert (march["hours_delivered"], march["hours_agreed"]) == (35, 40), "two weeks, not three"


def test_peer_workers_with_credentials_expired_or_expiring_by_organization(app_factory):
    audit = app_factory(partial(setup, clock=lambda: datetime(2026, 3, 2, 9, tzinfo=timezone.utc)))
    directory = Source(audit, "directory")
    empty = audit.perform("figures", AUDITOR)["peer_workers_with_credentials_expiring_by_organization"]
    assert (empty["columns"], empty["rows"], empty["total"]) == (["expired", "within_30", "within_60"], [], 0)

    def employ(organization, expires, expired_on=None):
        worker, credential = str(uuid.uuid4()), str(uuid.uuid4())
        directory.send("EmploymentBegan", {
            "peer_worker_id": worker, "employment_id": str(uuid.uuid4()), "organization_id": organization,
            "role_title": "peer specialist", "hours_per_week": 20, "start": "2026-01-05", "end": None,
            "certify_by": None}, worker)
        directory.send("CredentialRecorded", {
            "peer_worker_id": worker, "credential_id": credential, "kind": "certified_peer_specialist",
            "state": "MA", "number": None, "issued": "2024-01-01", "expires": expires}, worker)
        if expired_on:
            directory.send("CredentialExpired", {"peer_worker_id": worker, "credential_id": credential,
                                                 "kind": "certified_peer_specialist", "expired_on": expired_on,
                                                 "blocks_offers": False}, worker)
        return worker

    for _ in range(11):
        employ("org-harbor", "2026-03-20")          # within 30 days
    employ("org-harbor", "2026-04-20")              # in 31 to 60 days
    employ("org-harbor", "2026-09-01")              # later: not counted
    employ("org-harbor", None)                      # never expires
    employ("org-lantern", "2026-02-27", "2026-02-28")  # expired
    left = employ("org-lantern", "2026-03-10")
    directory.send("EmploymentEnded", {"peer_worker_id": left, "employment_id": str(uuid.uuid4()),
                                       "organization_id": "org-lantern", "left_on": "2026-02-01"}, left)
    shown = audit.perform("figures", AUDITOR)["peer_workers_with_credentials_expiring_by_organization"]
    assert {row["row"]: row["cells"] for row in shown["rows"]} == {
        "org-harbor": {"expired": 0, "within_30": 11, "within_60": "1-10"},
        "org-lantern": {"expired": "1-10", "within_30": 0, "within_60": 0}}, "a former employee is not counted"
    assert shown["total"] == "13-31"
