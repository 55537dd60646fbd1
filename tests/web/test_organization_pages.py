"""An organization admin's pages, as `make demo`'s admins see them on the development network: an
agency's admin signs in from the development sign-in page, writes a subcontract whose duties
include one the peer-role chart refuses, sees it refused with the chart's reason and alternative
before anything is sent, puts the alternative in its place and makes the subcontract; reports
hours and sees them charted; every page passes axe in English and Spanish and reflows at 320
CSS pixels, for an agency's admin and a peer-run organization's."""
import pytest
import requests

from shared.dev_tokens import mint_development_token
from tests.web.conftest import DEV_JWT_SECRET, check_pages, sign_in_as
from tests.web.test_every_page import DEMO

pytestmark = pytest.mark.integration
AGENCY = next(o for o in DEMO.organizations if o.kind == "agency")
PEER_RUN = next(o for o in DEMO.organizations if o.kind == "peer_run_organization" and o.county == AGENCY.county)
PAGES = ["/organization", "/organization/peer-workers", "/organization/subcontracts",
         "/organization/subcontracts/new", "/organization/supervision-agreements",
         "/organization/supervision-agreements/new", "/organization/find-supervisor", "/organization/supervision"]


def subcontracts_of(network, name: str) -> int:
    """How many subcontracts the directory holds for the named organization, read through the API."""
    reader = mint_development_token("state_auditor", "web-tests", secret=DEV_JWT_SECRET)
    headers = {"Authorization": f"Bearer {reader}"}
    organizations = requests.get(f"{network.gateway_url}/organizations?limit=200", headers=headers, timeout=10)
    [organization_id] = [o["organization_id"] for o in organizations.json()["items"] if o["name"] == name]
    listed = requests.get(f"{network.gateway_url}/subcontracts?organization_id={organization_id}&limit=200",
                          headers=headers, timeout=10)
    return len(listed.json()["items"])


def test_an_agency_admin_sees_a_forbidden_duty_refused_before_submitting_then_makes_a_consistent_one(
        demo, page, check_accessibility, screenshot):
    sign_in_as(page, demo, f"{AGENCY.name}, as its admin")
    page.get_by_role("heading", name=AGENCY.name).wait_for()
    made_before = subcontracts_of(demo, AGENCY.name)

    page.get_by_role("link", name="Make a subcontract").first.click()
    page.get_by_label("The peer-run organization providing peer support").select_option(label=PEER_RUN.name)
    page.get_by_label("Hours a week agreed").fill("10")
    page.get_by_label("Amount in dollars").fill("800")
    page.get_by_label("Starts on").fill("2026-11-02")  # weeks already worked, to report below
    page.get_by_label("Duties of the peer workers").fill("Facilitate a WRAP group\nTriage calls")
    page.get_by_role("button", name="Check the duties").click()
    refused = page.locator("#duty-check")
    refused.get_by_text("Line 2: Triage calls").wait_for()
    assert "Why it is not a peer role:" in refused.inner_text()
    assert "Consistent alternative:" in refused.inner_text()
    assert page.get_by_label("Duties of the peer workers").input_value().endswith("Triage calls"), "nothing lost"
    assert subcontracts_of(demo, AGENCY.name) == made_before, "checking sends nothing"
    check_accessibility(page, "a refused duty")
    screenshot(page, "organization-01-duty-refused-en")

    page.locator("label", has_text="Put the alternative in place of line 2").click()  # USWDS hides the input
    page.get_by_role("button", name="Make the subcontract").click()
    page.get_by_role("heading", name=f"Subcontract with {PEER_RUN.name}").wait_for()
    assert "The subcontract is made." in page.get_by_role("status").first.inner_text()
    assert "Triage calls" not in page.locator("main").inner_text()
    assert subcontracts_of(demo, AGENCY.name) == made_before + 1
    screenshot(page, "organization-02-subcontract-en")
    subcontract = page.url.removeprefix(demo.url(""))

    page.get_by_role("link", name="Hours delivered each week against agreed").click()
    # Any day lands in its week: a Monday, then a Wednesday of the next week.
    for day, hours in (("2026-11-16", "8"), ("2026-11-25", "11.5")):
        page.get_by_label("A day of the week").fill(day)
        page.get_by_label("Hours delivered that week").fill(hours)
        page.get_by_role("button", name="Report the hours").click()
        page.get_by_text("The hours are reported.").wait_for()
    assert page.locator("table tbody tr").count() == 2
    assert "Nov 23, 2026" in page.locator("table tbody").inner_text(), "the Wednesday's hours are its Monday's week"
    assert page.locator("svg.pn-chart rect").count() == 4
    screenshot(page, "organization-03-hours-en")

    check_pages(page, demo, PAGES + [subcontract, f"{subcontract}/amend", f"{subcontract}/renew",
                                     f"{subcontract}/end", f"{subcontract}/hours"])


def test_a_peer_run_organizations_admin_sees_its_pages_and_finds_a_supervisor(demo, page, screenshot):
    sign_in_as(page, demo, f"{PEER_RUN.name}, as its admin")
    page.get_by_role("heading", name=PEER_RUN.name).wait_for()
    page.get_by_role("link", name="Find a supervisor", exact=True).click()
    worker = page.get_by_label("Peer worker", exact=True)
    names = worker.locator("option").all_inner_texts()[1:]
    assert names, "make demo employs peer workers at its peer-run organizations"
    worker.select_option(label=names[-1])
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name=f"Supervisors found for {names[-1]}").wait_for()
    search = page.url.removeprefix(demo.url(""))
    check_pages(page, demo, PAGES + [search])
    page.goto(demo.url("/language/es?next=/organization/peer-workers"))
    screenshot(page, "organization-04-peer-workers-es")
