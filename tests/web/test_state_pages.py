"""A state administrator's pages, as the development sign-in offers them on `make demo`'s network:
the administrator reads the figures (charts beside their tables), starts verifying the ledger and
sees its progress, then its result; opens break-glass access to a person chosen from the history,
for a reason from the list, and that person then sees it on their own "My data" page. Every page
passes axe in English and Spanish and reflows at 320 CSS pixels."""
import re
import time
from datetime import date, timedelta

import pytest
import requests

from shared.dev_tokens import mint_development_token
from tests.web.conftest import DEV_JWT_SECRET, check_pages, narrow_enough, sign_in_as
from tests.web.ledger import fill_ledger
from tests.web.test_every_page import DEMO

pytestmark = pytest.mark.integration
AUDITOR = "A state administrator, as auditor"
PERSON = DEMO.people[0]
LEDGER_ENTRIES = 100_000  # the size of a ledger verified through the page
PAGES = ["/state", "/state/history", "/state/history?source=intake&type=PersonEnrolled", "/state/verifications",
         "/state/checkpoints", "/state/break-glass"]


# Audit enters 100,000 events as the bus brings them, beside every other follower of intake: minutes
# on a busy 2-core machine, so more than the suite's 300 s per test.
@pytest.mark.timeout(1500)
def test_a_state_administrator_reads_the_figures_and_verifies_the_ledger_while_its_progress_shows(
        demo, page, check_accessibility, screenshot, monkeypatch):
    employer = a_credential_expiring_soon(demo)
    # A ledger of a real size first: intake's access log grown in bulk, entered by audit itself.
    entries = fill_ledger(demo, monkeypatch, LEDGER_ENTRIES, DEV_JWT_SECRET,
                          [worker.peer_worker_id for worker in DEMO.peer_workers])
    sign_in_as(page, demo, AUDITOR)
    page.get_by_role("heading", name="The state's figures", level=1).wait_for()
    assert page.locator("svg.pn-chart").count() >= 1, "figures are drawn"
    started = page.locator("section", has=page.get_by_role("heading", name="Connections started, by month and region"))
    assert started.locator("svg.pn-chart").count() == 1 and started.locator("table").count() == 1
    credentials = page.locator("section", has=page.get_by_role("heading", name="Credentials expiring"))
    assert employer in credentials.locator("table").inner_text(), "organizations by name"
    assert "fewer than 11" in credentials.locator("svg.pn-chart").inner_html(), "one peer worker: kept back"
    check_accessibility(page, "the figures")
    screenshot(page, "state-01-figures-en")

    page.get_by_role("link", name="Verify the ledger").click()
    page.get_by_role("button", name="Start verifying").click()
    page.get_by_role("heading", name="Verifying the ledger").wait_for()
    assert "/state/verifications/" in page.url
    # Its progress shows while it runs (htmx refreshes it every two seconds): caught part way.
    status = page.get_by_role("status").filter(has_text="Checking:")
    status.wait_for(timeout=60_000)
    page.wait_for_function("""() => { const bar = document.querySelector('progress.pn-progress');
        return bar && bar.value > 0 && bar.value < 100; }""", timeout=120_000)
    chain_total = page.locator("#verification tbody tr").first.locator("td").nth(1).inner_text()
    assert int(chain_total.replace(",", "")) >= LEDGER_ENTRIES, f"the whole ledger is checked: {chain_total}"
    check_accessibility(page, "a verification under way")
    screenshot(page, "state-02-verifying-en")
    page.get_by_role("heading", name="Nothing was altered").wait_for(timeout=300_000)  # htmx polls it
    assert page.locator("#verification[hx-trigger]").count() == 0, "nothing polls once it has ended"
    said = page.locator("#verification .usa-alert__text").inner_text()
    checked = int(re.search(r"The chain of ([\d,]+) entries", said).group(1).replace(",", ""))
    assert checked >= entries, said
    intake = page.locator("#verification table").last.locator("tr", has_text="intake")
    assert int(intake.locator("td").last.inner_text().replace(",", "")) >= LEDGER_ENTRIES - 1000, \
        "intake's own log was read against the ledger"
    check_accessibility(page, "a verification's result")
    screenshot(page, "state-03-verified-en")


def a_credential_expiring_soon(network) -> str:
    """A demo peer worker's credential expiring in 20 days, recorded by their employer's admin through
    the gateway; answers the employer's name, which the credentials figure then shows."""
    def call(method, path, token, body=None):
        answer = requests.request(method, network.gateway_url + path, json=body, timeout=30,
                                  headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in (200, 201), f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    worker = DEMO.peer_workers[0]
    employer = next(o.name for o in DEMO.organizations if o.key == worker.employer)
    auditor = mint_development_token("state_auditor", "web-tests", secret=DEV_JWT_SECRET)
    organization_id = next(o["organization_id"] for o in call("GET", "/organizations?limit=200", auditor)["items"]
                           if o["name"] == employer)
    admin = mint_development_token("agency_admin", "web-tests-admin", organization_id, secret=DEV_JWT_SECRET)
    call("POST", f"/peer-workers/{worker.peer_worker_id}/credentials", admin, {
        "kind": "recovery_coach", "state": "MA", "number": "RC-WEB-1", "issued": date.today().isoformat(),
        "expires": (date.today() + timedelta(days=20)).isoformat()})
    return employer


def test_a_break_glass_access_is_seen_by_the_person_on_their_own_page(demo, page, check_accessibility, screenshot):
    sign_in_as(page, demo, AUDITOR)
    page.get_by_role("link", name="Break-glass").click()
    page.get_by_role("link", name="People who enrolled, in the history").click()
    # The test knows which synthetic person it will sign in as: it narrows the list to theirs.
    page.goto(demo.url(f"/state/history?source=intake&type=PersonEnrolled&subject_id={PERSON.person_id}"))
    page.get_by_role("link", name="Break-glass: this person's details").first.click()
    page.get_by_label("Reason").select_option(label="A complaint made to the state")
    page.get_by_label("Request or investigation number").fill("C-2026/14")
    page.get_by_role("button", name="Open access to this person's details").click()  # no duration yet
    assert page.get_by_role("alert").filter(has_text="Choose how long the access stays open.").count() == 1
    assert page.get_by_label("Request or investigation number").input_value() == "C-2026/14", "what was given stays"
    page.get_by_label("How long").select_option(label="8 hours")
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
    page.goto(demo.url("/language/en?next=/state/history"))
    # On a phone each entry is a card (USWDS stacked table): no header row, each cell a line with its label.
    assert page.locator("main table thead").evaluate("e => getComputedStyle(e).display") == "none"
    when = page.locator("main table tbody tr").first.locator("td").first
    assert when.evaluate("e => getComputedStyle(e).display") == "block"
    assert when.evaluate("e => getComputedStyle(e, '::before').content") == '"When"'
    assert page.locator("main table").evaluate("t => t.offsetWidth <= t.parentElement.clientWidth"), \
        "every card fits the page: nothing hidden sideways in its scrolling region"
    narrow_enough(page)
    screenshot(page, "state-08-history-320")
    page.goto(demo.url("/language/es?next=/state/history"))
    assert when.evaluate("e => getComputedStyle(e, '::before').content") == '"Cuándo"'
    screenshot(page, "state-09-history-320-es")
