"""A peer worker's path in a real browser, signed in through the real OpenID Connect provider:
two people chose them; they accept one and decline the other, no reason asked; they look for
a peer supervisor and find one from another organization in the networking pool."""
import uuid

import pytest

from shared.identity import peernet_id
from tests.web.conftest import complete_sign_in
from tests.web.setup_api import Api
from tests.web.test_person_path import step

pytestmark = pytest.mark.integration
REGION = "Hampden County"


def test_a_peer_worker_accepts_one_person_declines_another_and_finds_a_supervisor(
        page, web_network, sign_in_with_provider, check_accessibility, screenshot):
    api = Api(web_network)
    organization_id, admin = api.organization(REGION)
    login = web_network.new_account("peer")
    peer = api.available_peer(login, organization_id, admin, f"Ana {uuid.uuid4().hex[:4]} (synthetic)", REGION)
    api.employ(peer, organization_id, admin)
    api.wait_until_matching_caught_up()
    first = api.person_who_chooses(peer, REGION, "Person A (synthetic)")
    second = api.person_who_chooses(peer, REGION, "Person B (synthetic)")
    api.supervisor_in_the_pool("Hampshire County")

    sign_in_with_provider(page, login)
    page.get_by_role("heading", name="What needs you now").wait_for()
    assert page.get_by_text("Answer by").count() == 2
    step(page, check_accessibility, screenshot, "peer-02-home-en")
    page.get_by_role("link", name="People who chose me").first.click()
    requests_listed = page.locator("form[action*='/acceptance'] button")
    assert requests_listed.count() == 2
    assert "Person A" not in page.content(), "a peer sees what both shared, never the person's name"
    step(page, check_accessibility, screenshot, "peer-03-requests-en")
    page.get_by_role("button", name="Accept").first.click()
    page.get_by_text("You accepted. The connection has begun.").wait_for()
    page.get_by_role("link", name="People who chose me").first.click()
    page.get_by_role("button", name="Decline").first.click()
    page.get_by_text("Nobody is waiting for your answer.").wait_for()

    page.get_by_role("link", name="My connections").first.click()
    assert page.get_by_role("link", name="End this connection").count() == 1
    step(page, check_accessibility, screenshot, "peer-04-connections-en")
    connected = {c["person_id"] for c in api.call("GET", f"/peer-workers/{peer}/connections", api.token(login))[
        "items"] if c["active"]}
    assert len(connected & {first, second}) == 1, "one accepted, one declined"

    page.get_by_role("link", name="Supervision").first.click()
    page.get_by_role("link", name="Find a peer supervisor").click()
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="Supervisors found").wait_for()
    page.get_by_text("From the networking pool").first.wait_for()
    step(page, check_accessibility, screenshot, "peer-05-supervisor-found-en")


def test_a_peer_worker_joins_their_organization_by_its_invitation_link(
        page, web_network, check_accessibility, screenshot):
    api = Api(web_network)
    organization_id, admin = api.organization(REGION)
    invited = api.call("POST", "/peer-worker-invitations", admin, {"organization_id": organization_id,
                                                                     "display_name": "Rowan (synthetic)"})
    login = web_network.new_account("peer")
    page.goto(invited["invitation_link"])  # signed out: to the provider, then back to the invitation
    complete_sign_in(page, web_network.web_url, login)
    page.get_by_role("heading", name="invites you to peernet").wait_for()
    assert "secret" not in page.url, "the secret leaves the address at once"
    step(page, check_accessibility, screenshot, "peer-00-invitation-en")
    page.get_by_role("button", name="Join").click()
    page.get_by_role("heading", name="Hello, Rowan (synthetic)").wait_for()
    profile = api.call("GET", f"/peer-workers/{peernet_id(web_network.issuer, login)}", api.token(login))
    assert profile["organization_id"] == organization_id
