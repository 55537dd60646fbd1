"""A state administrator's pages, as the development sign-in offers them on `make demo`'s network:
the administrator reads the figures (charts beside their tables), starts verifying the ledger and
sees its progress, then its result; opens break-glass access to a person chosen from the history,
for a reason from the list, and that person then sees it on their own "My data" page. Every page
passes axe in English and Spanish and reflows at 320 CSS pixels."""
import time

import pytest

from tests.web.conftest import check_pages, sign_in_as
from tests.web.test_every_page import DEMO

pytestmark = pytest.mark.integration
AUDITOR = "A state administrator, as auditor"
PERSON = DEMO.people[0]
PAGES = ["/state", "/state/history", "/state/history?source=intake&type=PersonEnrolled", "/state/verifications",
         "/state/checkpoints", "/state/break-glass"]


def test_a_state_administrator_reads_the_figures_and_verifies_the_ledger_while_its_progress_shows(
        demo, page, check_accessibility, screenshot):
    sign_in_as(page, demo, AUDITOR)
    page.get_by_role("heading", name="The state's figures", level=1).wait_for()
    assert page.locator("svg.pn-chart").count() >= 1, "figures are drawn"
    started = page.locator("section", has=page.get_by_role("heading", name="Connections started, by month and region"))
    assert started.locator("svg.pn-chart").count() == 1 and started.locator("table").count() == 1
    assert "(synthetic)" in page.locator("main").inner_text(), "organizations by name"
    check_accessibility(page, "the figures")
    screenshot(page, "state-01-figures-en")

    page.get_by_role("link", name="Verify the ledger").click()
    page.get_by_role("button", name="Start verifying").click()
    page.get_by_role("heading", name="Verifying the ledger").wait_for()
    assert "/state/verifications/" in page.url
    seen = page.locator("#verification").inner_text()
    assert "done." in seen or "Nothing was altered" in seen, "its progress or its result shows at once"
    screenshot(page, "state-02-verifying-en")
    page.get_by_role("heading", name="Nothing was altered").wait_for(timeout=120_000)  # htmx polls it
    assert page.locator("#verification[hx-trigger]").count() == 0, "nothing polls once it has ended"
    check_accessibility(page, "a verification's result")
    screenshot(page, "state-03-verified-en")


def test_a_break_glass_access_is_seen_by_the_person_on_their_own_page(demo, page, check_accessibility, screenshot):
    sign_in_as(page, demo, AUDITOR)
    page.get_by_role("link", name="Break-glass").click()
    page.get_by_role("link", name="People who enrolled, in the history").click()
    # The test knows which synthetic person it will sign in as: it narrows the list to theirs.
    page.goto(demo.url(f"/state/history?source=intake&type=PersonEnrolled&subject_id={PERSON.person_id}"))
    page.get_by_role("link", name="Break-glass: this person's details").first.click()
    page.get_by_label("Reason").select_option(label="A complaint made to the state")
    page.get_by_label("Request or investigation number").fill("C-2026/14")
    check_accessibility(page, "break-glass form")
    screenshot(page, "state-04-break-glass-en")
    page.get_by_role("button", name="Open access to this person's details").click()
    page.get_by_role("heading", name="A person's details, under break-glass").wait_for()
    assert "Access is open until" in page.get_by_role("status").first.inner_text()
    assert page.locator("main table tbody tr").count() >= 1, "their sealed details, read under break-glass"
    screenshot(page, "state-05-personal-fields-en")

    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, demo, PERSON.display_name)
    deadline = time.monotonic() + 60
    while True:  # intake follows audit's events: the line arrives within moments
        page.goto(demo.url("/person/data"))
        shown = page.locator("main").inner_text()
        if "A complaint made to the state" in shown and "Your name" in shown or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "The state's auditors, for a stated reason: A complaint made to the state" in shown
    assert "C-2026/14" in shown and "Access to your details opened, until" in shown
    check_accessibility(page, "the person's data after break-glass")
    page.goto(demo.url("/language/es?next=/person/data"))
    screenshot(page, "state-06-person-sees-break-glass-es")


def test_every_state_page_passes_axe_and_reflows_at_320_pixels(demo, page, screenshot):
    sign_in_as(page, demo, AUDITOR)
    check_pages(page, demo, PAGES)
    page.goto(demo.url("/language/es?next=/state"))
    screenshot(page, "state-07-figures-es")
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(demo.url("/state/history"))
    screenshot(page, "state-08-history-320")
