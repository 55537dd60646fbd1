"""Hours delivered by ISO week: a report for any day lands in its week (from Monday), a later
report for a week replaces an earlier one, and reports stored before (a day kept as a week of its
own) are read into their ISO week, counted once, and still publish as they were published."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.directory import domain
from services.directory.domain import SubcontractAgreement
from services.directory.setup import setup
from services.directory.tests.support import SYSTEM, Network, admin_of
from shared.contracts import build, latest, parse
from shared.errors import InvalidInput, NotAllowed
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401  (fixtures)


def report(directory, net, agreement, day, hours):
    directory.perform("record_hours_delivered", admin_of(net.provider), {
        "agreement_id": str(agreement), "week_start": day, "hours": hours})


def weeks(directory, agreement) -> list[tuple[str, float]]:
    return [(row["week_start"], row["hours_delivered"])
            for row in directory.perform("subcontract", SYSTEM, str(agreement))["hours_report"]]


def hours_events(directory) -> list[dict]:
    return [event.as_message() for event in directory.integration_events(0)
            if event.type == "SubcontractHoursDelivered"]


def test_a_report_for_any_day_lands_in_its_iso_week_and_a_later_one_replaces_it(app_factory):
    directory = app_factory(setup)
    net = Network(directory)
    agreement = net.make_subcontract()
    report(directory, net, agreement, "2026-01-07", 18)   # a Wednesday
    report(directory, net, agreement, "2026-01-11", 19)   # the Sunday of the same week: a correction
    report(directory, net, agreement, "2026-01-12", 20)   # the next Monday
    assert weeks(directory, agreement) == [("2026-01-05", 19), ("2026-01-12", 20)]
    published = hours_events(directory)
    assert [(m["version"], m["body"]["week_start"]) for m in published] == [
        (2, "2026-01-05"), (2, "2026-01-05"), (2, "2026-01-12")]


def test_a_day_outside_the_agreement_is_still_refused(app_factory):
    directory = app_factory(setup)
    net = Network(directory)
    agreement = net.make_subcontract(start="2026-01-07")  # a Wednesday: its first week began on Monday
    report(directory, net, agreement, "2026-01-08", 10)
    assert weeks(directory, agreement) == [("2026-01-05", 10)]
    with pytest.raises(InvalidInput) as refused:
        report(directory, net, agreement, "2026-01-06", 10)
    assert "week_start" in refused.value.field_errors


def test_reports_stored_the_old_way_are_read_into_one_iso_week_without_counting_twice(app_factory, monkeypatch):
    # Stored as before ISO weeks: the event's first version, the day reported kept as its own week.
    with monkeypatch.context() as old_code:
        old_code.setattr(SubcontractAgreement.HoursDelivered, "class_version", 1)
        old_code.setattr(domain, "week_of", lambda day: day)
        before = app_factory(setup, store="sqlite")
        net = Network(before)
        agreement = net.make_subcontract()
        report(before, net, agreement, "2026-01-05", 20)  # Monday
        report(before, net, agreement, "2026-01-07", 15)  # Wednesday of the same week, reported later
        report(before, net, agreement, "2026-01-14", 12)  # Wednesday of the next week
        assert weeks(before, agreement) == [("2026-01-05", 20), ("2026-01-07", 15), ("2026-01-14", 12)]

    now = app_factory(setup, store="sqlite")  # a new process reading the same store
    # One row per ISO week; in a week reported twice the later report replaces the earlier, as any
    # second figure for a week does: 15, not 20 + 15.
    assert weeks(now, agreement) == [("2026-01-05", 15), ("2026-01-12", 12)]
    assert sum(hours for _, hours in weeks(now, agreement)) == 27
    # They publish exactly as the old code published them (audit's digests cover them): version 1,
    # the day reported; read through the contract's upcaster they are in their ISO week.
    published = hours_events(now)
    assert [(m["version"], m["body"]) for m in published] == [
        (1, {"agreement_id": str(agreement), "week_start": day, "hours_delivered": hours, "hours_agreed": 20.0})
        for day, hours in (("2026-01-05", 20.0), ("2026-01-07", 15.0), ("2026-01-14", 12.0))]
    assert [str(latest(parse(m)).body["week_start"]) for m in published] == ["2026-01-05", "2026-01-05", "2026-01-12"]
    # A report made now is of the new version and corrects that week like any other.
    report(now, net, agreement, "2026-01-15", 13)
    assert weeks(now, agreement) == [("2026-01-05", 15), ("2026-01-12", 13)]
    assert hours_events(now)[-1]["version"] == 2


def test_version_2_of_the_contract_holds_only_mondays():
    body = {"agreement_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "week_start": "2026-01-07",
            "hours_delivered": 18, "hours_agreed": 20}
    with pytest.raises(ValidationError) as refused:
        build("directory", 1, "SubcontractHoursDelivered", "2026-01-07T10:00:00+00:00",
              {"user_id": "u", "role": "system", "correlation_id": "c"}, body["agreement_id"], body, version=2)
    assert "week_start" in refused.value.messages


def test_hours_per_subcontract_and_month_for_the_parties_and_the_state(app_factory):
    directory = app_factory(setup)
    net = Network(directory)
    agreement = net.make_subcontract(hours_per_week=20)
    stranger = directory.perform("register_organization", SYSTEM, {"name": "Cape Agency", "kind": "agency",
                                                                  "regions": ["Barnstable"]})
    for day, hours in (("2026-01-26", 18), ("2026-02-04", 20), ("2026-02-02", 21), ("2026-02-09", 19.5)):
        report(directory, net, agreement, day, hours)
    rows = directory.perform("subcontract_hours", admin_of(net.agency), {})
    # The week of Monday 26 January counts in January; 2 and 4 February are one week (the later report).
    assert [(r["month"], r["weeks"], r["hours_delivered"], r["hours_agreed"], r["difference"]) for r in rows] == [
        ("2026-01", 1, 18, 20, -2), ("2026-02", 2, 40.5, 40, 0.5)]
    assert {(r["buyer"], r["provider"]) for r in rows} == {("Hampden Community Agency", "Valley Peer Collective")}
    assert directory.perform("subcontract_hours", admin_of(net.provider), {}) == rows
    assert directory.perform("subcontract_hours", SYSTEM, {"agreement_id": str(agreement)}) == rows
    assert directory.perform("subcontract_hours", admin_of(stranger), {}) == []
    with pytest.raises(NotAllowed):
        directory.perform("subcontract_hours", admin_of(stranger), {"organization_id": str(net.agency)})
