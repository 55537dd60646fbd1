"""Every page, as the synthetic people and peer workers of `make demo` see it on the development
network: no axe-core violation (WCAG 2.2 A and AA), reflow at 320 CSS pixels without horizontal
scrolling, a first load of at most 100 KB over the wire, enrollment by keyboard alone, and bad
input shown beside its field with nothing stored."""
import pytest
import requests

from deploy.demo.plan import plan
from shared.dev_tokens import mint_development_token
from tests.web.conftest import DEMO_SIZE, DEV_JWT_SECRET, check_pages, narrow_enough, sign_in_as

pytestmark = pytest.mark.integration
DEMO = plan(**DEMO_SIZE)
PERSON_PAGES = ["/person", "/person/experiences", "/person/support", "/person/offers", "/person/data",
                "/person/consent", "/person/forget", "/notifications", "/notifications/settings"]
PEER_PAGES = ["/peer", "/peer/profile", "/peer/experiences", "/peer/availability", "/peer/requests",
              "/peer/connections", "/peer/pool", "/peer/pool?region=Berkshire+County", "/peer/supervision",
              "/peer/supervision/search", "/peer/supervision/search?kind=professional_development",
              "/notifications", "/notifications/settings"]
MOST_BYTES = 100 * 1024


@pytest.mark.parametrize("role, name, pages", [
    ("person", DEMO.people[0].display_name, PERSON_PAGES),
    ("peer", DEMO.peer_workers[0].display_name, PEER_PAGES),
])
def test_every_page_passes_axe_and_reflows_at_320_pixels(demo, page, screenshot, role, name, pages):
    sign_in_as(page, demo, name)
    check_pages(page, demo, pages)
    screenshot(page, f"{role}-last-page")


def test_the_pages_everyone_sees_pass_axe_in_both_languages(dev_network, page, check_accessibility):
    for path in ("/", "/signin", "/nothing-here"):
        for language in ("en", "es"):
            page.goto(dev_network.url(f"/language/{language}?next={path}"))
            check_accessibility(page, f"{path} ({language})")
            page.set_viewport_size({"width": 320, "height": 700})
            narrow_enough(page)
            page.set_viewport_size({"width": 1280, "height": 900})


def test_a_first_load_is_at_most_100_kb_over_the_wire(dev_network, browser):
    for path in ("/", "/signin"):
        context = browser.new_context()  # nothing cached
        page = context.new_page()
        finished = []
        page.on("requestfinished", lambda sent: finished.append(sent))
        page.goto(dev_network.url(path), wait_until="networkidle")
        total = sum(sent.sizes()["responseBodySize"] + sent.sizes()["responseHeadersSize"] for sent in finished)
        context.close()
        assert 20 * 1024 < total <= MOST_BYTES, f"{path}: {total} bytes on first load"


def test_a_new_person_enrolls_by_keyboard_alone(dev_network, page, screenshot):
    page.goto(dev_network.url("/signin"))
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to main content"
    focus_on(page, "A new person, not enrolled yet")
    page.keyboard.press("Enter")
    page.wait_for_url("**/person/enroll")
    focus_on(page, "What should we call you?", label=True)
    page.keyboard.type("Kay (synthetic)")
    focus_on(page, "Where do you live?", label=True)
    page.keyboard.press("ArrowDown")  # the first region
    focus_on(page, "by phone", label=True)
    page.keyboard.press("Space")
    focus_on(page, "Show me what each side would see")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check before you agree").wait_for()
    focus_on(page, "I agree: enroll me")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="My support").wait_for()
    screenshot(page, "person-home-en")


def focus_on(page, name: str, label: bool = False, most_tabs: int = 80) -> None:
    """Press Tab until the named control has the focus, as a keyboard user would."""
    for _ in range(most_tabs):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            const label = e.labels && e.labels.length ? e.labels[0].textContent : '';
            return [(e.textContent || '').trim(), (label || '').trim(), e.getAttribute('aria-label') || '']; }""")
        if name in (focused[1] if label else focused[0]) or (not label and name == focused[2]):
            return
    raise AssertionError(f"{name!r} never got the focus by Tab")


def test_bad_input_is_shown_beside_its_field_and_nothing_is_stored(dev_network, page, check_accessibility):
    page.goto(dev_network.url("/signin"))
    page.get_by_role("button", name="A new person, not enrolled yet").click()
    page.wait_for_url("**/person/enroll")
    stored_before = intake_position(dev_network)
    page.get_by_label("What should we call you?").fill("   ")
    page.get_by_role("button", name="Show me what each side would see").click()
    assert "Enter a name we may call you" in page.locator("#error-summary").inner_text()
    assert page.locator("#display_name-error").inner_text().startswith("Enter a name")
    assert page.get_by_label("What should we call you?").get_attribute("aria-describedby") == \
        "display_name-hint display_name-error"
    check_accessibility(page, "enrollment with errors")
    assert intake_position(dev_network) == stored_before, "nothing was stored"


def intake_position(network) -> int:
    auditor = mint_development_token("state_auditor", "web-tests", secret=DEV_JWT_SECRET)
    answer = requests.get(f"{network.gateway_url}/services/intake/positions", timeout=10,
                          headers={"Authorization": f"Bearer {auditor}"})
    return answer.json()["log"]
