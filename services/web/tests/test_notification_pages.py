"""Notifications' pages with the gateway faked (conftest's FakeGateway): the feed newest first with
the unread said in words and each item linking where the reader acts, marking read, the unread
count in the header, the settings (an email address sent once and never shown, quiet hours,
stopping email in one step), an organization's webhook with its secret shown once and its
delivery log, and every page all Spanish."""
import re
import uuid

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in

ME, ORGANIZATION = str(uuid.uuid4()), str(uuid.uuid4())
NEWER, OLDER = str(uuid.uuid4()), str(uuid.uuid4())
FEED = {"unread": 1, "items": [
    {"notification_id": NEWER, "kind": "choice_accepted", "at": "2026-12-04T15:00:00+00:00",
     "about": {"choice_id": str(uuid.uuid4())}, "read": False},
    {"notification_id": OLDER, "kind": "offers_made", "at": "2026-12-01T15:00:00+00:00",
     "about": {"request_id": str(uuid.uuid4())}, "read": True}]}
PREFERENCES = {"channels": [], "email_given": False, "language": "en", "quiet_hours": None, "timezone": None,
               "webhook_url": None}
GIVEN = {**PREFERENCES, "channels": ["email"], "email_given": True, "quiet_hours": {"start": "22:00", "end": "07:00"},
         "timezone": "America/Chicago"}
DELIVERIES = {"organization_id": ORGANIZATION, "items": [
    {"delivery_id": str(uuid.uuid4()), "webhook_id": "msg_2a1b", "notification_id": str(uuid.uuid4()),
     "status": "failed", "attempts": [{"at": "2026-12-04T15:00:00+00:00", "outcome": "failed: HTTP 500"},
                                      {"at": "2026-12-04T15:02:00+00:00", "outcome": "a host that does not resolve"}]},
    {"delivery_id": str(uuid.uuid4()), "webhook_id": "msg_9f8e", "notification_id": str(uuid.uuid4()),
     "status": "sent", "attempts": [{"at": "2026-12-04T16:00:00+00:00", "outcome": "ok"}]}]}


@pytest.fixture
def person(client, fake):
    sign_in(client, "person", ME)
    fake.reads.update({"/me/notifications": FEED, "/me/notification-preferences": PREFERENCES})
    return client


@pytest.fixture
def admin(client, fake):
    sign_in(client, "agency_admin", ME, organization_id=ORGANIZATION)
    fake.reads.update({"/me/notifications": {"unread": 0, "items": []},
                       "/me/notification-preferences": {**PREFERENCES, "webhook_url": "https://example.org/hook"},
                       f"/organizations/{ORGANIZATION}/webhook-deliveries": DELIVERIES})
    return client


def text(answer) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))


def test_the_feed_shows_the_newest_first_unread_in_words_each_linking_where_to_act(person):
    shown = text(person.get("/notifications"))
    accepted = shown.index("The peer worker you chose accepted")
    offered = shown.index("Peer workers are now offered for your request")
    assert accepted < offered
    assert "You have 1 unread notification." in shown
    assert shown[:accepted].rstrip().endswith("Unread")  # said in words, before the item
    page = person.get("/notifications").get_data(as_text=True)
    assert 'href="/person"' in page and "Go to my support" in page
    assert 'href="/person/offers"' in page and "See the offers" in page


def nav(answer) -> str:
    page = answer.get_data(as_text=True)
    return text_of(page[page.index("<nav"):page.index("</nav>")])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_header_says_how_many_are_unread_in_words(person, fake):
    assert "Notifications 1 unread" in nav(person.get("/notifications/settings"))
    fake.reads["/me/notifications"] = {"unread": 0, "items": []}
    shown = nav(person.get("/notifications/settings"))
    assert "Notifications" in shown and "unread" not in shown


def test_the_header_count_never_breaks_a_page(person, fake):
    fake.reads["/me/notifications"] = ApiError(503, "down")
    answer = person.get("/notifications/settings")
    assert answer.status_code == 200 and "How I am told" in text(answer)


def test_mark_one_read_and_mark_all_read(person, fake):
    answer = person.post("/notifications/reads", data={"notification_id": NEWER})
    assert answer.status_code == 302 and answer.location.endswith("/notifications")
    person.post("/notifications/reads", data={"all": "1"})
    assert fake.posted("/me/notification-reads") == [{"notification_ids": [NEWER]}, {"all": True}]


def test_a_refused_mark_read_says_so_and_the_feed_still_shows(person, fake):
    fake.acts["/me/notification-reads"] = ApiError(422, "bad", [{"field": "notification_ids.0", "message": "x"}])
    shown = text(person.post("/notifications/reads", data={"notification_id": "junk"}, follow_redirects=True))
    assert "could not be marked read" in shown and "The peer worker you chose accepted" in shown


def test_settings_say_the_address_is_sealed_and_send_email_quiet_hours_and_zone(person, fake):
    shown = text(person.get("/notifications/settings"))
    assert "Kept sealed, and used only to tell you there is an update" in shown
    answer = person.post("/notifications/settings", data={
        "email": "sam@example.org", "send_email": "1", "language": "es", "quiet_start": "22:00",
        "quiet_end": "07:00", "timezone": "America/Chicago"})
    assert answer.status_code == 302
    assert fake.posted("/me/notification-preferences") == [{
        "channels": ["email"], "email": "sam@example.org", "language": "es",
        "quiet_hours": {"start": "22:00", "end": "07:00"}, "timezone": "America/Chicago"}]


def test_a_kept_address_is_never_shown_nor_sent_again_when_left_empty(person, fake):
    fake.reads["/me/notification-preferences"] = GIVEN
    page = person.get("/notifications/settings").get_data(as_text=True)
    assert "We keep an email address for you" in page and 'value="22:00"' in page
    person.post("/notifications/settings", data={"send_email": "1", "language": "en", "quiet_start": "22:00",
                                                 "quiet_end": "07:00", "timezone": "America/Chicago"})
    (sent,) = fake.posted("/me/notification-preferences")
    assert "email" not in sent and sent["channels"] == ["email"]


@pytest.mark.parametrize("form, field, message", [
    ({"send_email": "1", "language": "en"}, "email", "To be sent email, give an email address."),
    ({"language": "en", "quiet_start": "22:00"}, "quiet_start", "Enter both times as hours and minutes"),
])
def test_what_the_page_can_tell_is_refused_beside_the_field_and_nothing_is_sent(person, fake, form, field, message):
    answer = person.post("/notifications/settings", data=form)
    assert answer.status_code == 422 and message in text(answer)
    assert f'href="#{field}"' in answer.get_data(as_text=True)
    assert fake.posted("/me/notification-preferences") == []


def test_a_form_without_a_language_keeps_the_one_chosen(person, fake):
    fake.reads["/me/notification-preferences"] = {**PREFERENCES, "language": "es"}
    assert person.post("/notifications/settings", data={}).status_code == 302
    (sent,) = fake.posted("/me/notification-preferences")
    assert sent == {"channels": [], "language": "es", "quiet_hours": None, "timezone": None}


def test_the_apis_refusal_shows_beside_the_field(person, fake):
    fake.acts["/me/notification-preferences"] = ApiError(422, "bad", [{"field": "email", "message": "Not valid"}])
    answer = person.post("/notifications/settings", data={"email": "nope", "language": "en"})
    assert answer.status_code == 422 and "Enter an email address, such as name@example.com." in text(answer)
    assert 'id="email-error"' in answer.get_data(as_text=True)


def test_stop_email_in_one_step_keeps_the_rest(person, fake):
    fake.reads["/me/notification-preferences"] = GIVEN
    assert "Stop all emails now" in text(person.get("/notifications/settings"))
    assert person.post("/notifications/settings/stop-email").status_code == 302
    person.post("/notifications/settings/forget-email")
    assert fake.posted("/me/notification-preferences") == [
        {"channels": [], "language": "en", "quiet_hours": GIVEN["quiet_hours"], "timezone": "America/Chicago"},
        {"channels": [], "language": "en", "quiet_hours": GIVEN["quiet_hours"], "timezone": "America/Chicago",
         "email": None}]


def test_the_webhook_secret_is_shown_once_and_the_log_lists_every_try(admin, fake):
    shown = text(admin.get("/notifications/webhook"))
    assert "Now: https://example.org/hook" in shown
    assert "msg_2a1b" in shown and "Your system answered HTTP 500" in shown and "Delivered to your system" in shown
    assert "a host that does not resolve" in shown
    fake.acts[f"/organizations/{ORGANIZATION}/webhooks"] = {"organization_id": ORGANIZATION,
                                                           "url": "https://example.org/new", "secret": "whsec_c2VjcmV0"}
    answer = admin.post("/notifications/webhook", data={"url": "https://example.org/new"})
    assert answer.status_code == 200 and "whsec_c2VjcmV0" in text(answer) and "shown this once" in text(answer)
    assert fake.posted(f"/organizations/{ORGANIZATION}/webhooks") == [{"url": "https://example.org/new"}]
    assert "whsec_c2VjcmV0" not in text(admin.get("/notifications/webhook"))


def test_a_refused_webhook_address_shows_beside_the_field(admin, fake):
    fake.acts[f"/organizations/{ORGANIZATION}/webhooks"] = ApiError(422, "bad", [{"field": "url", "message": "x"}])
    answer = admin.post("/notifications/webhook", data={"url": "http://10.0.0.1/"})
    assert answer.status_code == 422 and 'id="url-error"' in answer.get_data(as_text=True)
    fake.acts[f"/organizations/{ORGANIZATION}/webhooks"] = ApiError(422, "bad", [
        {"field": "url", "message": "must reach the organization's own systems, not a private or local address"}])
    shown = text(admin.post("/notifications/webhook", data={"url": "http://10.0.0.1/"}))
    assert "sends nothing into its own network" in shown
    assert "msg_2a1b" in shown  # the log still shows beside the refusal


def test_the_webhook_is_an_admins_only_and_the_state_has_no_feed(client, fake):
    sign_in(client, "person", ME)
    assert client.get("/notifications/webhook").status_code == 403
    sign_in(client, "state_auditor", ME)
    assert client.get("/notifications").status_code == 403
    assert not [call for call in fake.calls if call[1].startswith("/me/notification")]


@pytest.mark.parametrize("path", ["/notifications", "/notifications/settings", "/notifications/webhook"])
def test_every_page_is_all_spanish(client, fake, path):
    sign_in(client, "agency_admin", ME, lang="es", organization_id=ORGANIZATION)
    fake.reads.update({"/me/notifications": FEED, "/me/notification-preferences": GIVEN,
                       f"/organizations/{ORGANIZATION}/webhook-deliveries": DELIVERIES})
    answer = client.get(path)  # strict: an untranslated string fails the page
    assert answer.status_code == 200 and 'lang="es"' in answer.get_data(as_text=True)
    assert "Notificaciones" in text(answer)


TOKEN = "dG9rZW4.c2lnbmVk"


def test_the_emails_link_shows_one_button_and_opening_it_changes_nothing(client, fake):
    answer = client.get(f"/notification-unsubscribes/{TOKEN}")
    assert answer.status_code == 200 and "One step" in text(answer)
    assert f'action="/notification-unsubscribes/{TOKEN}"' in answer.get_data(as_text=True)
    assert fake.calls == []


def test_one_post_stops_that_channel_without_sign_in_or_csrf_token(app, client, fake):
    app.config["WTF_CSRF_ENABLED"] = True  # a mail program's one click (RFC 8058) carries none
    answer = client.post(f"/notification-unsubscribes/{TOKEN}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and "no more of these emails are sent to you" in text(answer)
    assert fake.posted(f"/notification-unsubscribes/{TOKEN}") == [{}]
    assert client.post("/notifications/reads", data={"all": "1"}).status_code == 400  # others still need one


def test_a_changed_link_says_so_in_spanish(client, fake):
    with client.session_transaction() as session:
        session["lang"] = "es"
    fake.acts[f"/notification-unsubscribes/{TOKEN}"] = ApiError(422, "bad", [{"field": "token", "message": "x"}])
    answer = client.post(f"/notification-unsubscribes/{TOKEN}")
    assert answer.status_code == 400 and "Este enlace no funciona" in text(answer)
