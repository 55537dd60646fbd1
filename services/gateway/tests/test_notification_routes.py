"""Notifications' routes: the one-click unsubscribe of RFC 8058 takes a mail client's form POST
with no token and passes it on as the gateway; a bad token is a 422 naming it; a feed is the
caller's own."""
from services.gateway.tests.conftest import ORG, bearer
from shared.errors import InvalidInput


def test_one_click_unsubscribe_takes_a_form_post_without_sign_in(client, backend):
    backend.answers[("notifications", "unsubscribe")] = {"unsubscribed": "email"}
    answer = client.post("/notification-unsubscribes/abc.def", data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200 and answer.get_json() == {"unsubscribed": "email"}
    [(service, method, args, caller)] = backend.calls
    assert (service, method, args) == ("notifications", "unsubscribe", ("abc.def",))
    assert caller.role == "system" and caller.user_id == "service:gateway"


def test_a_bad_unsubscribe_token_is_a_422_naming_it(client, backend):
    backend.answers[("notifications", "unsubscribe")] = InvalidInput({"token": ["not one of ours"]})
    answer = client.post("/notification-unsubscribes/forged")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.get_json()["errors"]] == ["token"]


def test_an_admin_cannot_set_another_organizations_webhook(client, backend):
    answer = client.post("/organizations/org-someone-else/webhooks", json={"url": "https://hooks.example.org/"},
                         headers=bearer("agency_admin", "admin-1"))
    assert answer.status_code == 403 and backend.calls == []
    assert client.post(f"/organizations/{ORG}/webhooks", json={"url": "not a url"},
                       headers=bearer("agency_admin", "admin-1")).status_code == 422


def test_preferences_refuse_an_unknown_channel_before_any_call(client, backend):
    answer = client.post("/me/notification-preferences", json={"channels": ["carrier-pigeon"]},
                         headers=bearer("person", "p-1"))
    assert answer.status_code == 422 and backend.calls == []
    assert [e["field"] for e in answer.get_json()["errors"]] == ["channels.0"]
