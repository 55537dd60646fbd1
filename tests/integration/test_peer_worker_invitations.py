"""A peer worker's invitation over HTTP, against the real intake process and broker: the admin invites,
the id alone opens nothing, the invited peer joins with their own sign-in and their profile is theirs,
under the organization that invited them; the same invitation does not open twice."""
import uuid

import pytest

from tests.integration.test_gateway import ORG, api_for  # noqa: F401  (the fixture: services and the gateway)

pytestmark = pytest.mark.integration


def test_an_invited_peer_worker_joins_their_organization_over_http(store_env, api_for):  # noqa: F811
    api = api_for(store_env, ("intake",))
    me, stranger = str(uuid.uuid4()), str(uuid.uuid4())

    made = api("POST", "/peer-worker-invitations", "agency_admin", organization_id=ORG,
               json={"organization_id": ORG, "display_name": "Rowan Example (synthetic)"})
    assert made.status_code == 201, made.text
    invitation, secret = made.json()["invitation_id"], made.json()["invitation_secret"]
    path = made.headers["Location"]
    assert path == f"/peer-worker-invitations/{invitation}"
    assert api("GET", path, "agency_admin", organization_id=ORG).json()["status"] == "pending"

    # The id without the secret (or with another) is exactly an invitation that does not exist.
    unknown = f"/peer-worker-invitations/{uuid.uuid4()}"
    for headers in ({}, {"X-Invitation-Secret": "a guess"}):
        read = api("GET", path, "peer", stranger, headers=dict(headers))
        assert read.status_code == 404 and read.json()["detail"] == f"no peer worker invitation {invitation}"
        taken = api("POST", f"{path}/acceptances", "peer", stranger, headers=dict(headers))
        assert taken.status_code == 404, taken.text
    assert api("GET", unknown, "peer", stranger).json()["title"] == read.json()["title"]
    assert api("GET", f"/peer-workers/{stranger}", "peer", stranger).status_code == 404

    with_secret = {"X-Invitation-Secret": secret}
    seen = api("GET", path, "peer", me, headers=dict(with_secret)).json()
    assert (seen["organization_id"], seen["display_name"]) == (ORG, "Rowan Example (synthetic)")
    joined = api("POST", f"{path}/acceptances", "peer", me, headers=dict(with_secret))
    assert joined.status_code == 201, joined.text
    assert joined.json() == {"peer_worker_id": me} and joined.headers["Location"] == f"/peer-workers/{me}"

    profile = api("GET", f"/peer-workers/{me}", "peer", me).json()
    assert (profile["peer_worker_id"], profile["organization_id"]) == (me, ORG)
    assert profile["display_name"] == "Rowan Example (synthetic)"
    assert api("GET", f"/peer-workers/{me}", "agency_admin", organization_id=ORG).status_code == 200

    again = api("POST", f"{path}/acceptances", "peer", me, headers=dict(with_secret))
    assert again.status_code == 422 and [e["field"] for e in again.json()["errors"]] == ["invitation_id"]
    closed = api("GET", path, "agency_admin", organization_id=ORG).json()
    assert closed["status"] == "accepted" and closed["peer_worker_id"] == me
