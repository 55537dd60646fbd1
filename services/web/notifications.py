"""Notifications' pages, for everyone the notifications service tells something (a person, a
peer worker, a peer supervisor, an organization admin): the feed, newest first, each item
linking to the page where they act; how they want to be told (an email address, kept sealed,
the language, quiet hours, stopping email in one step); and, for an organization admin, the
organization's webhook and its delivery log. The header shows how many are unread.

Anyone opening the link in an email can stop that channel in one step, signed in or not.

The feed holds codes and ids only (`kind`, `about`): the words are the page's own, in the
page's language. An agency admin's feed and preferences are their organization's."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from markupsafe import Markup, escape

from services.web.auth import gateway, requires, signed_in
from services.web.forms import field_errors, text
from services.web.gateway import ApiError
from services.web.i18n import gettext

blueprint = Blueprint("notifications", __name__, url_prefix="/notifications")
# The link every email carries, when PEERNET_NOTIFY_UNSUBSCRIBE_URL points here: opening it shows
# one button (a link's GET changes nothing: mail scanners open links); a POST stops that channel,
# as RFC 8058's one click from the mail program does. No sign-in: the signed token is the proof.
unsubscribing = Blueprint("unsubscribe", __name__)

NOTIFIED = ("person", "peer", "supervisor", "agency_admin")  # notifications' USERS
NAV = {"person": "person/nav.html", "peer": "peer/nav.html", "supervisor": "supervisor/nav.html",
       "agency_admin": "organization/nav.html"}
FEED_SIZE = 100
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
         "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico")


def what(kind: str) -> str:
    """What a notification says, in the page's language."""
    return {
        "offers_made": gettext("Peer workers are now offered for your request. You can choose one."),
        "choice_accepted": gettext("The peer worker you chose accepted. You are connected."),
        "choice_declined": gettext("The peer worker you chose could not accept. You can choose another."),
        "choice_lapsed": gettext("The peer worker you chose did not answer in time. You can choose another."),
        "chosen": gettext("A person chose you. They wait for your answer."),
        "answer_due": gettext("A reminder: a person who chose you still waits for your answer."),
        "connection_ended": gettext("A connection ended."),
        "supervision_offered": gettext("You are offered a peer worker to supervise."),
        "session_to_confirm": gettext("A supervision session waits for you to confirm it."),
        "agreement_to_accept": gettext("A supervision agreement waits for your organization to accept it."),
        "credential_expiring": gettext("A reminder: a credential expires soon."),
        "certify_by": gettext("A reminder: the day to be certified by is near."),
        "supervision_overdue": gettext("Supervision is overdue."),
    }.get(kind, gettext("There is an update for you."))


def where(kind: str, role: str) -> tuple[str, str] | None:
    """The page where the reader acts on it (endpoint, its link's words), by what it is and who reads it."""
    by_role = {
        "person": {"offers_made": "person.offers", "choice_declined": "person.offers", "choice_lapsed": "person.offers",
                   "choice_accepted": "person.home", "connection_ended": "person.home"},
        "peer": {"chosen": "peer.chosen", "answer_due": "peer.chosen", "connection_ended": "peer.connections",
                 "session_to_confirm": "peer.supervision", "supervision_overdue": "peer.supervision",
                 "credential_expiring": "peer.profile", "certify_by": "peer.profile"},
        "supervisor": {"supervision_offered": "supervisor.offers", "session_to_confirm": "supervisor.sessions"},
        "agency_admin": {"agreement_to_accept": "organization.supervision_agreements",
                         "certify_by": "organization.peer_workers",
                         "credential_expiring": "organization.peer_workers"},
    }
    endpoint = by_role.get(role, {}).get(kind)
    if endpoint is None:
        return None
    label = {"person.offers": gettext("See the offers"), "person.home": gettext("Go to my support"),
             "peer.chosen": gettext("See who chose me"), "peer.connections": gettext("See my connections"),
             "peer.supervision": gettext("See my supervision"), "peer.profile": gettext("See my profile"),
             "supervisor.offers": gettext("See the offers to supervise"),
             "supervisor.sessions": gettext("See the sessions"),
             "organization.supervision_agreements": gettext("See the supervision agreements"),
             "organization.peer_workers": gettext("See our peer workers")}[endpoint]
    return url_for(endpoint), label


def unread_count() -> int | None:
    """How many are unread, for the header; None when it cannot be known just now (the page itself
    still shows: the count is not worth an error)."""
    if not signed_in() or session.get("role") not in NOTIFIED:
        return None
    try:
        return gateway().get("/me/notifications", limit=1)["unread"]
    except (ApiError, KeyError, TypeError):
        return None


def outcome_text(outcome: str) -> Markup:
    """A try's outcome: the API words it in English (it names no address), so the usual ones are
    the page's own words and any other is marked as English."""
    if outcome == "ok":
        return escape(gettext("Delivered to your system"))
    if outcome.startswith("failed: HTTP "):
        return escape(gettext("Your system answered HTTP %(code)s", code=outcome.removeprefix("failed: HTTP ")))
    return Markup('<span lang="en">%s</span>') % outcome


@blueprint.app_context_processor
def notification_helpers():
    return {"notified_roles": NOTIFIED, "unread_notifications": unread_count}


@blueprint.context_processor
def page_helpers():
    return {"role_nav": NAV.get(session.get("role")), "what": what, "where": where, "outcome_text": outcome_text}


# -- the feed -----------------------------------------------------------------------------------
@blueprint.get("")
@requires(*NOTIFIED)
def feed():
    answer = gateway().get("/me/notifications", limit=FEED_SIZE)
    return render_template("notifications/feed.html", items=answer["items"], unread=answer["unread"],
                           role=session["role"])


@blueprint.post("/reads")
@requires(*NOTIFIED)
def mark_read():
    if request.form.get("all"):
        body, done = {"all": True}, gettext("All your notifications are marked read.")
    else:
        body, done = {"notification_ids": [request.form.get("notification_id", "")]}, gettext("Marked read.")
    try:
        gateway().post("/me/notification-reads", body)
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        flash(gettext("That notification could not be marked read. Look at the list again."), "warning")
        return redirect(url_for("notifications.feed"))
    flash(done, "success")
    return redirect(url_for("notifications.feed"))


# -- how to be told -------------------------------------------------------------------------------
def _messages() -> dict[str, str]:
    return {
        "email": gettext("Enter an email address, such as name@example.com."),
        "channels": gettext("To be sent email, give an email address."),
        "language": gettext("Choose English or Spanish."),
        "quiet_hours": gettext("Enter both times as hours and minutes, such as 22:00 and 07:00, or neither."),
        "timezone": gettext("Choose your time zone."),
    }


def _preferences() -> dict:
    return gateway().get("/me/notification-preferences")


def _settings_page(preferences: dict, form: dict, errors: dict, status: int = 200):
    zones = list(ZONES)
    for zone in (form.get("timezone"), current_app.config["PEERNET"].timezone):
        if zone and zone not in zones:
            zones.append(zone)
    return render_template("notifications/settings.html", preferences=preferences, form=form, errors=errors,
                           zones=zones), status


def _form_of(preferences: dict) -> dict:
    quiet = preferences.get("quiet_hours") or {}
    return {"send_email": "email" in preferences["channels"], "language": preferences["language"],
            "quiet_start": quiet.get("start", ""), "quiet_end": quiet.get("end", ""),
            "timezone": preferences.get("timezone") or current_app.config["PEERNET"].timezone}


@blueprint.get("/settings")
@requires(*NOTIFIED)
def settings():
    preferences = _preferences()
    return _settings_page(preferences, _form_of(preferences), {})


@blueprint.post("/settings")
@requires(*NOTIFIED)
def save_settings():
    preferences = _preferences()
    form = {"send_email": bool(request.form.get("send_email")),
            "language": text(request.form, "language") or preferences["language"],
            "quiet_start": text(request.form, "quiet_start") or "", "quiet_end": text(request.form, "quiet_end") or "",
            "timezone": text(request.form, "timezone")}
    email = text(request.form, "email")
    messages, errors = _messages(), {}
    if form["send_email"] and not (email or preferences["email_given"]):
        errors["email"] = messages["channels"]
    if bool(form["quiet_start"]) != bool(form["quiet_end"]):
        errors["quiet_start"] = messages["quiet_hours"]
    if errors:
        return _settings_page(preferences, form, errors, 422)
    body = {"channels": ["email"] if form["send_email"] else [], "language": form["language"],
            "quiet_hours": {"start": form["quiet_start"], "end": form["quiet_end"]} if form["quiet_start"] else None,
            "timezone": form["timezone"]}
    if email:  # left out, the address kept stays
        body["email"] = email
    try:
        gateway().post("/me/notification-preferences", body)
    except ApiError as error:
        if error.status != 422:
            raise
        found = field_errors(error, messages, gettext("Something in the form could not be used."))
        if "quiet_hours" in found:  # shown beside the first of the two times
            found["quiet_start"] = found.pop("quiet_hours")
        if "channels" in found:
            found["email"] = found.pop("channels")
        return _settings_page(preferences, form, found, 422)
    flash(gettext("Saved. You are told as you chose here."), "success")
    return redirect(url_for("notifications.settings"))


def _keep(preferences: dict, **changes) -> dict:
    """The preferences as they are, but for the changes: the API sets them all at once."""
    body = {"channels": preferences["channels"], "language": preferences["language"],
            "quiet_hours": preferences["quiet_hours"], "timezone": preferences["timezone"]}
    return {**body, **changes}


@blueprint.post("/settings/stop-email")
@requires(*NOTIFIED)
def stop_email():
    preferences = _preferences()
    gateway().post("/me/notification-preferences",
                   _keep(preferences, channels=[c for c in preferences["channels"] if c != "email"]))
    flash(gettext("Done: you are sent no more email. Your notifications still show here."), "success")
    return redirect(url_for("notifications.settings"))


@blueprint.post("/settings/forget-email")
@requires(*NOTIFIED)
def forget_email():
    preferences = _preferences()
    gateway().post("/me/notification-preferences",
                   _keep(preferences, channels=[c for c in preferences["channels"] if c != "email"], email=None))
    flash(gettext("Your email address is removed for good, and you are sent no more email."), "success")
    return redirect(url_for("notifications.settings"))


# -- an organization's webhook ------------------------------------------------------------------------
def _webhook_page(form_url: str, errors: dict, secret: str | None = None, status: int = 200):
    organization_id = session["organization_id"]
    log = gateway().get(f"/organizations/{organization_id}/webhook-deliveries", limit=50)
    return render_template("notifications/webhook.html", webhook_url=_preferences().get("webhook_url"),
                           deliveries=log["items"], form_url=form_url, errors=errors, secret=secret), status


@blueprint.get("/webhook")
@requires("agency_admin")
def webhook():
    return _webhook_page("", {})


@blueprint.post("/webhook")
@requires("agency_admin")
def set_webhook():
    url = text(request.form, "url") or ""
    message = gettext("Enter the address of your organization's own system, starting with https://.")
    if not url:
        return _webhook_page(url, {"url": message}, status=422)
    try:
        answer = gateway().post(f"/organizations/{session['organization_id']}/webhooks", {"url": url})
    except ApiError as error:
        if error.status != 422:
            raise
        said = error.field_messages().get("url", "")
        if "private or local" in said:  # the API words why; the page says it in the reader's language
            message = gettext("peernet sends nothing into its own network (a local or private address): give "
                              "your system's public address.")
        elif "does not resolve" in said:
            message = gettext("This address cannot be found: check the name of your system.")
        return _webhook_page(url, field_errors(error, {"url": message}, message), status=422)
    # Shown this once and never again: the page is not kept (no-store) and nothing stores it here.
    return _webhook_page("", {}, secret=answer["secret"])


# -- one step from the link in an email -----------------------------------------------------------------
@unsubscribing.get("/notification-unsubscribes/<token>")
def unsubscribe_page(token):
    return render_template("notifications/unsubscribe.html", token=token)


@unsubscribing.post("/notification-unsubscribes/<token>")
def unsubscribe(token):
    try:
        gateway().post(f"/notification-unsubscribes/{quote(token, safe='')}", {})
    except ApiError as error:
        if error.status not in (400, 404, 422):
            raise
        return render_template("notifications/unsubscribe.html", token=None, refused=True), 400
    return render_template("notifications/unsubscribe.html", token=None, done=True)


@unsubscribing.record_once
def _one_click(state):
    # A mail program's one-click POST carries no CSRF token (RFC 8058): the token in the path is the proof.
    state.app.extensions["csrf"].exempt(unsubscribe)
