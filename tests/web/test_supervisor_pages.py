"""A peer supervisor's pages, as `make demo`'s first peer supervisor sees them on the development
network: signed in from the development sign-in page, every page without an axe-core violation
(WCAG 2.2 A and AA) in English and Spanish and reflowing at 320 CSS pixels, and a session logged
through the form shown on the sessions page afterwards, which the supervisee then confirms on their
own supervision page."""
import pytest

from tests.web.conftest import check_pages, sign_in_as
from tests.web.test_every_page import DEMO

pytestmark = pytest.mark.integration
SUPERVISOR = next(worker for worker in DEMO.peer_workers if worker.supervisor)
SIGN_IN_AS = f"{SUPERVISOR.display_name}, as peer supervisor"
PAGES = ["/supervisor", "/supervisor/offers", "/supervisor/sessions", "/supervisor/sessions/new",
         "/supervisor/overdue"]


def test_every_supervisor_page_passes_axe_and_reflows_at_320_pixels(demo, page, screenshot):
    sign_in_as(page, demo, SIGN_IN_AS)
    assert page.url.endswith("/supervisor")
    check_pages(page, demo, PAGES)
    screenshot(page, "supervisor-last-page")


def test_a_session_logged_through_the_form_is_confirmed_by_the_supervisee_then_counts(
        demo, page, check_accessibility, screenshot):
    page.goto(demo.url("/signin"))  # the peer workers the development sign-in offers, by id
    offered = set(page.locator('form:has(input[name="role"][value="peer"]) input[name="user_id"]').evaluate_all(
        "inputs => inputs.map(input => input.value)"))
    sign_in_as(page, demo, SIGN_IN_AS)
    page.goto(demo.url("/supervisor/sessions/new"))
    supervisee = page.get_by_label("Supervisee", exact=True)
    choices = supervisee.locator("option").evaluate_all(
        "options => options.filter(o => o.value).map(o => [o.value, o.textContent.trim()])")
    assert choices, "make demo gives its peer supervisor supervisees, through a supervision agreement"
    chosen = next((choice for choice in choices if choice[0] in offered), None)
    assert chosen, f"a supervisee the development sign-in offers: {choices} among {offered}"
    name = chosen[1]
    supervisee.select_option(value=chosen[0])
    page.get_by_label("Length in minutes").fill("47")
    page.locator("label.usa-radio__label", has_text="Video").click()  # USWDS hides the input itself
    page.get_by_role("button", name="Log the session").click()
    page.wait_for_url("**/supervisor/sessions")
    assert "The session is logged." in page.get_by_role("status").first.inner_text()
    logged = page.locator("table tbody tr").filter(has_text=name).filter(has_text="47")
    assert logged.count() == 1 and "By you; not yet by your supervisee" in logged.inner_text()
    check_accessibility(page, "sessions after logging one")

    # The supervisee signs in, finds it on their own supervision page and confirms it: then it counts.
    page.get_by_role("button", name="Sign out").click()
    page.goto(demo.url("/signin"))
    page.locator(f'form:has(input[name="role"][value="peer"]):has(input[name="user_id"][value="{chosen[0]}"]) '
                 "button").click()
    page.wait_for_load_state()
    page.goto(demo.url("/peer/supervision"))
    waiting = page.locator("table tbody tr").filter(has_text="47").filter(has_text="Not yet by both of you")
    assert waiting.count() == 1
    check_accessibility(page, "a session to confirm")
    waiting.get_by_role("button", name="Confirm this session").click()
    page.wait_for_url("**/peer/supervision")
    assert "The session counts once both of you have confirmed it." in page.get_by_role("status").first.inner_text()
    counted = page.locator("table tbody tr").filter(has_text="47")
    assert "Yes, by both of you" in counted.inner_text() and counted.get_by_role("button").count() == 0
    page.goto(demo.url("/language/es?next=/peer/supervision"))
    page.set_viewport_size({"width": 320, "height": 700})
    screenshot(page, "supervisor-02-session-confirmed-by-supervisee-es-320")
