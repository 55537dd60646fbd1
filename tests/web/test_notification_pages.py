"""Notifications in a real browser, signed in through the real OpenID Connect provider, against
the whole network: a person gives an email address and quiet hours, chooses a peer worker (through
the API), and when the peer accepts, the feed and the header say so; they mark it read. The peer
worker, told they were chosen, marks all read. An organization admin's webhook page refuses an
address inside peernet's network beside the field; an email's unsubscribe link, opened by someone
not signed in, refuses a changed token in words.
Every new page passes axe in English and Spanish and fits 320 px; each step is photographed."""
import time
import uuid

import pytest

from tests.web.conftest import check_pages
from tests.web.setup_api import Api

pytestmark = pytest.mark.integration
REGION = "Hampden County"


def tick(page, label: str) -> None:
    """USWDS draws its own boxes and moves the input off screen: a person clicks the label."""
    box = page.get_by_label(label, exact=True)
    if not box.is_checked():
        page.locator(f"label[for='{box.get_attribute('id')}']").click()


def test_a_person_is_told_in_the_feed_when_the_peer_accepts_and_marks_it_read(
        page, new_page, web_network, sign_in_with_provider, check_accessibility, screenshot):
    api = Api(web_network)
    organization_id, admin = api.organization(REGION)
    peer_login = web_network.new_account("peer")
    peer_id = api.available_peer(peer_login, organization_id, admin, f"Ana {uuid.uuid4().hex[:4]} (synthetic)",
                                 REGION)
    api.wait_until_matching_caught_up()

    person_login = web_network.new_account("person")
    sign_in_with_provider(page, person_login)
    page.goto(web_network.url("/notifications/settings"))
    page.get_by_label("Email address").fill("marisol.synthetic@example.org")
    tick(page, "Send me an email when there is an update")
    page.get_by_label("From (hours and minutes, such as 22:00)").fill("22:00")
    page.get_by_label("Until (hours and minutes, such as 07:00)").fill("07:00")
    page.get_by_label("Your time zone").select_option("America/Chicago")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved. You are told as you chose here.").wait_for()
    assert "We keep an email address for you" in page.content()
    assert "marisol.synthetic@example.org" not in page.content()  # sealed: never shown again
    assert page.get_by_label("From (hours and minutes, such as 22:00)").input_value() == "22:00"
    screenshot(page, "notifications-01-settings")

    api.person_who_chooses(peer_id, REGION, "Marisol (synthetic)", login=person_login)
    peer = api.token(peer_login)
    (waiting,) = api.call("GET", f"/peer-workers/{peer_id}/requests", peer)["items"]
    api.call("POST", f"/choices/{waiting['choice_id']}/acceptances", peer, {})

    told = "The peer worker you chose accepted. You are connected."
    deadline = time.monotonic() + 60
    while True:  # the notifier hears of the acceptance from matching's events on the bus
        page.goto(web_network.url("/notifications"))
        if page.get_by_text(told).count():
            break
        assert time.monotonic() < deadline, "the acceptance never reached the feed: " + page.inner_text("main")
        page.wait_for_timeout(500)
    navigation = page.get_by_role("navigation", name="Main")
    assert "1 unread" in navigation.inner_text()
    item = page.locator("li", has_text=told)
    assert "Unread" in item.inner_text()
    assert item.get_by_role("link", name="Go to my support").get_attribute("href") == "/person"
    screenshot(page, "notifications-02-feed-unread")

    item.get_by_role("button", name="Mark read").click()
    page.get_by_text("Marked read.").wait_for()
    assert "You have no unread notification." in page.inner_text("main")
    assert "unread" not in navigation.inner_text()
    assert "Unread" not in page.locator("li", has_text=told).inner_text()
    screenshot(page, "notifications-03-feed-read")
    check_pages(page, web_network, ["/notifications", "/notifications/settings"])
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(web_network.url("/language/es?next=/notifications"))
    assert "Leída" in page.inner_text("main")
    screenshot(page, "notifications-05-feed-es-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The peer worker was told they were chosen: "Mark all read" from their own feed.
    peer_page = new_page()
    sign_in_with_provider(peer_page, peer_login)
    peer_page.goto(web_network.url("/notifications"))
    chosen = peer_page.locator("li", has_text="A person chose you. They wait for your answer.")
    assert chosen.get_by_role("link", name="See who chose me").get_attribute("href") == "/peer/requests"
    screenshot(peer_page, "notifications-06-peer-feed")
    peer_page.get_by_role("button", name="Mark all read").click()
    peer_page.get_by_text("All your notifications are marked read.").wait_for()
    assert "Unread" not in peer_page.inner_text("main")

    admin_page = new_page()
    sign_in_with_provider(admin_page, web_network.new_account("agency_admin", organization_id=organization_id))
    admin_page.goto(web_network.url("/notifications/webhook"))
    admin_page.get_by_label("Address of your system").fill("http://127.0.0.1:9/hook")
    admin_page.get_by_role("button", name="Set the webhook").click()
    admin_page.get_by_role("heading", name="Please check what you entered").wait_for()
    assert "peernet sends nothing into its own network" in admin_page.inner_text("main")
    assert "No webhook is set" in admin_page.inner_text("main")
    check_accessibility(admin_page, "webhook refused")
    screenshot(admin_page, "notifications-04-webhook-refused")
    check_pages(admin_page, web_network, ["/notifications/webhook", "/notifications", "/notifications/settings"])

    # The link in an email, opened by someone not signed in: one button; a changed token is refused in words.
    stranger = new_page()
    stranger.goto(web_network.url("/notification-unsubscribes/not-a-real-token-0123456789"))
    check_pages(stranger, web_network, ["/notification-unsubscribes/not-a-real-token-0123456789"])
    stranger.get_by_role("button", name="Dejar de recibir estos correos").click()  # check_pages ends in Spanish
    stranger.get_by_text("Este enlace no funciona").wait_for()
    check_accessibility(stranger, "unsubscribe refused")
