"""The invitation link an organization sends a peer worker, with the gateway faked (conftest's
FakeGateway): the secret leaves the address at once and reaches the gateway only as a header,
signing in keeps it, joining links the profile, and a link that does not open says what to do."""
import uuid

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in

ME = str(uuid.uuid4())
INVITATION = str(uuid.uuid4())
ORGANIZATION = str(uuid.uuid4())
SECRET = "s" * 43
API = f"/peer-worker-invitations/{INVITATION}"
PAGE = f"/invitations/{INVITATION}"
PENDING = {"invitation_id": INVITATION, "organization_id": ORGANIZATION, "display_name": "Sam 3 (synthetic)",
           "status": "pending", "expires_at": "2026-12-20T17:00:00+00:00", "peer_worker_id": None}


@pytest.fixture
def fake(fake, monkeypatch):
    """conftest's fake, keeping also the headers each POST sends (the secret travels in one)."""
    post, fake.post_headers = fake.post, []

    def post_with_headers(path, body=None, headers=None):
        fake.post_headers.append(headers)
        return post(path, body)

    monkeypatch.setattr(fake, "post", post_with_headers)
    fake.reads.update({API: PENDING, f"/organizations/{ORGANIZATION}": {"organization_id": ORGANIZATION,
                                                                        "name": "Hilltown Peer Center (synthetic)"}})
    return fake


def open_link(client):
    answer = client.get(f"{PAGE}?secret={SECRET}")
    assert answer.status_code == 302 and answer.headers["Location"] == PAGE  # the secret leaves the address
    return client.get(PAGE)


def test_signed_out_the_link_is_kept_through_signing_in(client, fake):
    answer = open_link(client)
    assert answer.status_code == 302 and answer.headers["Location"] == f"/signin?next={PAGE}"
    assert SECRET not in answer.headers["Location"]
    client.get(answer.headers["Location"])
    fake.reads["/me"] = {"user_id": ME, "role": "peer", "organization_id": None}
    signed = client.post("/signin/development", data={"role": "peer", "user_id": ME})
    assert signed.headers["Location"] == PAGE
    assert "Hilltown Peer Center (synthetic)" in client.get(PAGE).get_data(as_text=True)
    assert ("GET", API, {"headers": {"X-Invitation-Secret": SECRET}}) in fake.calls


def test_a_peer_sees_who_invites_them_and_joins(client, fake):
    sign_in(client, "peer", ME)
    html = open_link(client).get_data(as_text=True)
    assert "Sam 3 (synthetic)" in html and "Join Hilltown Peer Center (synthetic) on peernet" in html
    assert 'name="csrf_token"' in html and f'action="{PAGE}"' in html
    fake.acts[f"{API}/acceptances"] = {"peer_worker_id": ME}
    joined = client.post(PAGE)
    assert joined.status_code == 302 and joined.headers["Location"] == "/peer"
    assert fake.post_headers == [{"X-Invitation-Secret": SECRET}]
    fake.reads[f"/peer-workers/{ME}"] = None  # not projected yet: the page after says what happened anyway
    assert "Your peer worker profile is linked" in client.get("/peer").get_data(as_text=True)
    with client.session_transaction() as session:
        assert "invitation" not in session


@pytest.mark.parametrize("answer", [ApiError(404, "no peer worker invitation"),
                                    {**PENDING, "status": "withdrawn"}, {**PENDING, "status": "expired"}])
def test_a_link_that_does_not_open_says_to_ask_for_a_new_one(client, fake, answer):
    sign_in(client, "peer", ME)
    fake.reads[API] = answer
    page = open_link(client)
    assert page.status_code == 404 and "ask your organization for a new invitation" in page.get_data(as_text=True)
    assert not fake.posted(f"{API}/acceptances")


def test_a_link_used_meanwhile_is_refused_plainly(client, fake):
    sign_in(client, "peer", ME)
    open_link(client)
    fake.acts[f"{API}/acceptances"] = ApiError(422, "invalid input", [{"field": "invitation_id", "message": "closed"}])
    refused = client.post(PAGE)
    assert refused.status_code == 404 and "new invitation" in refused.get_data(as_text=True)


def test_a_peer_with_a_profile_already_is_told_so(client, fake):
    sign_in(client, "peer", ME)
    open_link(client)
    fake.acts[f"{API}/acceptances"] = ApiError(422, "invalid input", [{"field": "peer_worker_id", "message": "has"}])
    refused = client.post(PAGE)
    assert refused.headers["Location"] == "/peer"
    fake.reads[f"/peer-workers/{ME}"] = None
    assert "already have a peer worker profile" in client.get("/peer").get_data(as_text=True)


def test_the_link_opened_again_after_joining_goes_home(client, fake):
    sign_in(client, "peer", ME)
    fake.reads[API] = {**PENDING, "status": "accepted", "peer_worker_id": ME}
    assert open_link(client).headers["Location"] == "/peer"


def test_a_person_account_cannot_join(client, fake):
    sign_in(client, "person", ME)
    assert open_link(client).status_code == 403
    assert client.post(PAGE).status_code == 403
    assert not fake.posted(f"{API}/acceptances")


def test_the_pages_are_all_spanish(client, fake):
    sign_in(client, "peer", ME, lang="es")
    html = open_link(client).get_data(as_text=True)
    assert "Unirme a Hilltown Peer Center (synthetic) en peernet" in html
    fake.reads[API] = ApiError(404, "no peer worker invitation")
    assert "pida a su organización una nueva invitación" in client.get(PAGE).get_data(as_text=True)
    fake.reads[f"/peer-workers/{ME}"] = None
    assert "Abra el enlace de invitación" in client.get("/peer").get_data(as_text=True)
