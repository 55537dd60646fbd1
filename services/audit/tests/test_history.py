"""History for state auditors: filters, cursor pages, CSV and JSON Lines export; and the figures."""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.audit import figures
from services.audit.setup import setup
from services.audit.ledger import COLUMNS
from services.audit.tests.support import ADMIN, AUDITOR, Sources, catch_up, consumer, profile
from services.directory.setup import setup as directory_setup
from services.intake.setup import setup as intake_setup
from shared import contracts
from shared.errors import InvalidInput
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

OTHER = Caller(user_id="admin-2", role="agency_admin", organization_id="org-lantern")


@pytest.fixture
def audit(app_factory):
    intake = app_factory(intake_setup)
    directory = app_factory(directory_setup)
    audit = app_factory(setup)
    for caller, organization in ((ADMIN, "org-harbor"), (ADMIN, "org-harbor"), (OTHER, "org-lantern")):
        intake.perform("record_peer_worker_profile", caller, profile(organization_id=organization))
    directory.perform("register_organization", OTHER, {"name": "Lantern House", "kind": "agency",
                                                       "regions": ["berkshire"]})
    catch_up(consumer(audit, Sources(intake=intake, directory=directory)))
    return audit


def test_filters_by_service_type_organization_and_subject(audit):
    assert len(audit.perform("history", AUDITOR, {})["entries"]) == 4
    assert {e["source"] for e in audit.perform("history", AUDITOR, {"source": "directory"})["entries"]} == {"directory"}
    harbor = audit.perform("history", AUDITOR, {"organization_id": "org-harbor"})["entries"]
    assert len(harbor) == 2 and {e["type"] for e in harbor} == {"PeerWorkerProfiled"}
    subject = harbor[0]["subject_id"]
    assert [e["subject_id"] for e in audit.perform("history", AUDITOR, {"subject_id": subject})["entries"]] == [subject]
    # The organization an event concerns is the one its body names, else the actor's.
    [registered] = audit.perform("history", AUDITOR, {"type": "OrganizationRegistered"})["entries"]
    assert registered["organization_id"] == registered["subject_id"]
    assert registered["actor_organization_id"] == "org-lantern"


def test_filters_by_time_range(audit):
    entries = audit.perform("history", AUDITOR, {})["entries"]
    first, last = entries[0]["occurred_at"], entries[-1]["occurred_at"]
    assert len(audit.perform("history", AUDITOR, {"since": first.replace("Z", "+00:00")})["entries"]) == 4
    assert audit.perform("history", AUDITOR, {"until": first.replace("Z", "+00:00")})["entries"] == []
    assert audit.perform("history", AUDITOR, {"since": "2000-01-01T00:00:00+00:00",
                                              "until": "2000-02-01T00:00:00+00:00"})["entries"] == []
    assert last >= first


def test_cursor_pages_cover_everything_once(audit):
    seen, cursor = [], 0
    while cursor is not None:
        page = audit.perform("history", AUDITOR, {"limit": 3, "cursor": cursor})
        seen += [e["seq"] for e in page["entries"]]
        cursor = page["next_cursor"]
    assert seen == [1, 2, 3, 4]


@pytest.mark.parametrize("query, field", [
    ({"limit": 0}, "limit"), ({"cursor": -1}, "cursor"), ({"since": "yesterday"}, "since"),
    ({"since": "2026-01-02T00:00:00+00:00", "until": "2026-01-01T00:00:00+00:00"}, "until"),
    ({"type": "not a type"}, "type"), ({"name": "Rowan"}, "name"),
])
def test_bad_queries_name_the_field(audit, query, field):
    with pytest.raises(InvalidInput) as refused:
        audit.perform("history", AUDITOR, query)
    assert field in refused.value.field_errors


def test_export_as_csv_and_json_lines(audit):
    page = audit.perform("export", AUDITOR, {"format": "csv", "limit": 2})
    rows = list(csv.reader(io.StringIO(page["data"])))
    assert rows[0] == list(COLUMNS) and len(rows) == 3 and page["next_cursor"] == 2
    rest = audit.perform("export", AUDITOR, {"format": "csv", "cursor": page["next_cursor"]})
    assert len(list(csv.reader(io.StringIO(rest["data"])))) == 2 and rest["next_cursor"] is None  # no header
    lines = audit.perform("export", AUDITOR, {"format": "jsonl"})["data"].splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4]
    with pytest.raises(InvalidInput) as refused:
        audit.perform("export", AUDITOR, {"format": "xlsx"})
    assert "format" in refused.value.field_errors


def test_figures_suppress_every_small_count(audit):
    result = audit.perform("figures", AUDITOR)
    by_organization = result["peer_workers_profiled_by_organization"]
    cells = [row["cells"]["peer workers"] for row in by_organization["rows"]]
    assert cells == ["1-10", "1-10"]  # 2 at org-harbor, 1 at org-lantern: neither shown
    assert by_organization["total"] == "2-20"
    month = result["events_by_month_and_service"]["rows"][0]
    assert month["cells"] == {"directory": "1-10", "intake": "1-10"}


def test_a_count_over_ten_is_shown_and_zero_stays_zero():
    shown = figures.table({("2026-01", "intake"): 11, ("2026-01", "matching"): 0, ("2026-02", "intake"): 3})
    assert shown["rows"][0]["cells"] == {"intake": 11, "matching": 0}
    assert shown["rows"][0]["total"] == 11
    assert shown["column_totals"]["intake"] == "12-21"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.tuples(st.sampled_from("abc"), st.sampled_from("xyz")), st.integers(0, 40), min_size=1),
       st.data())
def test_no_suppressed_cell_can_be_recovered_from_what_is_shown(counts, data):
    """Change any suppressed count to any other value from 1 to 10: nothing shown changes."""
    small = [key for key, count in counts.items() if figures.suppressed(count)]
    if not small:
        return
    key = data.draw(st.sampled_from(small))
    other = data.draw(st.integers(1, 10))
    assert figures.table(counts) == figures.table({**counts, key: other})
    row, column = key
    [shown_row] = [r for r in figures.table(counts)["rows"] if r["row"] == row]
    assert shown_row["cells"][column] == figures.SUPPRESSED


class Directory:
    """Directory's events as audit receives them, at rising positions."""

    def __init__(self, audit):
        self.audit, self.position = audit, audit.position_in("directory")

    def send(self, type_, body, subject):
        self.position += 1
        built = contracts.build(source="directory", position=self.position, type_=type_, body=body,
                                occurred_at="2026-03-02T10:00:00+00:00", actor=ADMIN.as_actor(), subject_id=subject)
        assert self.audit.process_upstream(contracts.parse(built.as_message()))


def test_pool_size_by_region_and_subcontract_hours(audit, vault):
    directory = Directory(audit)
    members = [str(uuid.uuid4()) for _ in range(14)]
    for index, member in enumerate(members):
        directory.send("PoolJoined", {"peer_worker_id": member, "organization_id": "org-harbor",
                                      "display_name": vault.seal(member, "Pool Member Example"),
                                      "region": "hampden" if index < 12 else "berkshire",
                                      "languages": ["en"], "specialties": []}, member)
    directory.send("PoolLeft", {"peer_worker_id": members[0]}, members[0])
    agreement = str(uuid.uuid4())
    directory.send("SubcontractAgreementMade", {
        "agreement_id": agreement, "buyer_id": "org-lantern", "provider_id": "org-harbor", "hours_per_week": 10,
        "amount": "1200.00", "start": "2026-03-01", "end": "2026-06-30", "provider_duties": [], "duties": []},
        agreement)
    for week, delivered in (("2026-03-02", 8.5), ("2026-03-09", 10)):
        directory.send("SubcontractHoursDelivered", {"agreement_id": agreement, "week_start": week,
                                                     "hours_delivered": delivered, "hours_agreed": 10}, agreement)
    result = audit.perform("figures", AUDITOR)
    pool = {row["row"]: row["cells"]["peer workers"] for row in result["networking_pool_by_region"]["rows"]}
    assert pool == {"hampden": 11, "berkshire": "1-10"}  # 12 joined, one left; 2 suppressed
    assert result["networking_pool_by_region"]["total"] == "12-21"
    assert result["subcontract_hours_by_month_and_provider"] == [
        {"month": "2026-03", "provider_id": "org-harbor", "agreements": "1-10",
         "hours_delivered": 18.5, "hours_agreed": 20.0}]
    assert audit.perform("verify", AUDITOR, False)["chain"]["ok"]
