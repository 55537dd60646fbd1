"""A person's disclosure log a page at a time (issue 20): intake reads the page from the person's own events,
after the last line shown, so walking the pages gives every line once, oldest first, as the whole record
lists them; and page 1 of 100,000 lines costs at most twice page 1 of 100."""
from __future__ import annotations

import uuid

import pytest

from bench.paging_people import disclosures_pages
from services.intake.setup import setup as intake_setup
from services.intake.tests.people_fixtures import a_person, enrollment
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, notification_count, vault  # noqa: F401
from shared.tests.timing import ratios_until_within

LINES = 12


def with_a_log(intake) -> Caller:
    """A person whose log has LINES lines, each to another reader, with other events of theirs in between."""
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    for n in range(LINES):
        person = intake.person(uuid.UUID(me.user_id))
        person.record_disclosure({"user_id": f"reader-{n}", "role": "peer", "organization_id": None},
                                 "connected_peer", ["contact"], Caller.system("intake").as_actor())
        intake.save(person)
        if n % 3 == 0:
            intake.perform("change_details", me, {"person_id": me.user_id, "region": f"County {n}"})
    return me


def walk(intake, me: Caller, limit: int) -> list[dict]:
    pages, after = [], None
    while True:
        page = intake.perform("disclosures", me, me.user_id, after, limit)
        pages.append(page["items"])
        after = page["next_after"]
        if after is None:
            return pages


@pytest.mark.parametrize("store", ["popo", "sqlite"])
@pytest.mark.parametrize("limit", [1, 2, 5, 11, 12, 50])
def test_walking_the_pages_gives_every_line_once_oldest_first(app_factory, store, limit):
    intake = app_factory(intake_setup, store=store)
    me = with_a_log(intake)
    pages = walk(intake, me, limit)
    lines = [line for page in pages for line in page]
    assert lines == intake.perform("person_record", me, me.user_id)["disclosures"]
    assert [line["to"]["user_id"] for line in lines] == [f"reader-{n}" for n in range(LINES)]
    assert all(len(page) == limit for page in pages[:-1]) and len(pages) == -(-LINES // limit)


def test_an_empty_log_is_one_empty_page_and_reading_it_records_nothing(app_factory):
    intake = app_factory(intake_setup)
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    stored = notification_count(intake)
    assert intake.perform("disclosures", me, me.user_id) == {"items": [], "next_after": None}
    assert notification_count(intake) == stored  # like their record: a person's read of their own is not logged


def test_only_the_person_reads_their_log_and_a_position_is_checked(app_factory):
    intake = app_factory(intake_setup)
    me, nobody = with_a_log(intake), a_person()
    with pytest.raises(NotFound):
        intake.perform("disclosures", nobody, nobody.user_id)  # not enrolled
    for other in (nobody, Caller("admin-1", "agency_admin", "org-harbor"), Caller.system("intake")):
        with pytest.raises(NotAllowed):
            intake.perform("disclosures", other, me.user_id)
    for after, limit in ((0, 5), ("3", 5), (None, 0), (None, 501)):
        with pytest.raises(InvalidInput):
            intake.perform("disclosures", me, me.user_id, after, limit)


def test_page_one_of_100000_lines_costs_at_most_twice_page_one_of_100(tmp_path):
    rounds = []

    def ratio():
        folder = tmp_path / str(len(rounds))
        folder.mkdir()
        rounds.append([disclosures_pages(count, folder) for count in (100, 100_000)])
        (short, _), (long, _) = rounds[-1]
        return long / short

    ratios = ratios_until_within(ratio)
    assert min(ratios) <= 2.0, ratios
    (short, _), (_, last) = rounds[-1]
    assert last <= 2.0 * short  # and so does the last page: the store reads by the person's id and version
