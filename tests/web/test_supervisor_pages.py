"""A peer supervisor's pages, as `make demo`'s first peer supervisor sees them on the development
network: signed in from the development sign-in page, every page without an axe-core violation
(WCAG 2.2 A and AA) in English and Spanish and reflowing at 320 CSS pixels, and a session logged
through the form shown on the sessions page afterwards."""
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


def test_a_session_logged_through_the_form_shows_on_the_sessions_page(demo, page, check_accessibility):
    sign_in_as(page, demo, SIGN_IN_AS)
    page.goto(demo.url("/supervisor/sessions/new"))
    supervisee = page.get_by_label("Supervisee", exact=True)
    names = supervisee.locator("option").all_inner_texts()[1:]  # after "- Select -"
    assert names, "make demo gives its peer supervisor supervisees, through a supervision agreement"
    supervisee.select_option(label=names[0])
    page.get_by_label("Length in minutes").fill("47")
    page.locator("label.usa-radio__label", has_text="Video").click()  # USWDS hides the input itself
    page.get_by_role("button", name="Log the session").click()
    page.wait_for_url("**/supervisor/sessions")
    assert "The session is logged." in page.get_by_role("status").first.inner_text()
    logged = page.locator("table tbody tr").filter(has_text=names[0]).filter(has_text="47")
    assert logged.count() == 1 and "By you; not yet by your supervisee" in logged.inner_text()
    check_accessibility(page, "sessions after logging one")
