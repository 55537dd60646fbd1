"""A person's pages: enroll with a consent they can read, share items, ask for support,
see offers and choose, wait for the peer, the connection and its end, their data."""
from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from services.web.auth import end_session, gateway, requires
from services.web.auth import user_id as me
from services.web.forms import field_errors, listed, text
from services.web.gateway import ApiError, read_or_none
from services.web.i18n import gettext
from services.web.vocabulary import vocabulary

blueprint = Blueprint("person", __name__, url_prefix="/person")

# What each audience may see, as the enrollment form offers it (the API's own names).
AUDIENCE_FIELDS = {
    "matching": ("region", "languages", "modalities", "experiences"),
    "offered_peer": ("display_name", "region", "languages", "modalities", "experiences"),
    # once connected, how the peer worker may reach them; neither: the person gets in touch themselves
    "connected_peer": ("display_name", "contact"),
}
# Limits the person may relax when asking again (matching's AskForOffers flags).
RELAXABLE = ("include_my_agencies",)
DEFAULT_CONSENT = {"matching": AUDIENCE_FIELDS["matching"], "offered_peer": ("display_name", "languages", "modalities")}


def _record() -> dict | None:
    return read_or_none(gateway(), f"/people/{me()}")


# -- home ---------------------------------------------------------------------------------
@blueprint.get("")
@requires("person")
def home():
    record = _record()
    if record is None:
        return redirect(url_for("person.enroll"))
    if record["forgotten"]:
        return render_template("person/forgotten.html")
    connections = gateway().get(f"/people/{me()}/connections")["items"]
    active = [c for c in connections if c["active"]]
    offers = None if active else gateway().get(f"/people/{me()}/offers")
    open_requests = [r for r in record["support_requests"] if r["status"] == "open"]
    # how to reach each peer: none for a moment after the connection begins, until intake has followed it
    contacts = {c["connection_id"]: read_or_none(gateway(), f"/connections/{c['connection_id']}/contact")
                for c in active}
    return render_template("person/home.html", record=record, active=active, offers=offers,
                           open_requests=open_requests, contacts=contacts)


# -- enrollment ---------------------------------------------------------------------------
def _enrollment_messages() -> dict[str, str]:
    return {
        "display_name": gettext("Enter a name we may call you, up to 80 characters. A nickname is fine."),
        "contact": gettext("Enter a phone number or email of up to 200 characters, or leave it empty."),
        "region": gettext("Choose where you live."),
        "languages": gettext("Choose at least one language."),
        "modalities": gettext("Choose at least one way of meeting."),
        "consent": gettext("Choose what each side may see."),
    }


def _enrollment_from(form) -> dict:
    may_see = {audience: [f for f in listed(form, f"may_see_{audience}") if f in fields]
               for audience, fields in AUDIENCE_FIELDS.items()}
    return {
        "person_id": me(),
        "display_name": text(form, "display_name"),
        "contact": text(form, "contact"),
        "region": text(form, "region"),
        "languages": listed(form, "languages"),
        "modalities": listed(form, "modalities"),
        "consent": {"purpose": "peer_support", "may_see": {a: f for a, f in may_see.items() if f}},
    }


def _missing(body: dict) -> dict[str, str]:
    """What the page can tell before asking the API: the required fields left empty."""
    messages = _enrollment_messages()
    return {name: messages[name] for name in ("display_name", "region", "languages", "modalities")
            if not body.get(name)}


@blueprint.route("/enroll", methods=["GET", "POST"])
@requires("person")
def enroll():
    if request.method == "GET":
        if _record() is not None:
            return redirect(url_for("person.home"))
        body = {"languages": [g.locale], "modalities": [],
                "consent": {"may_see": {k: list(v) for k, v in DEFAULT_CONSENT.items()}}}
        return render_template("person/enroll.html", body=body, errors={})
    body = _enrollment_from(request.form)
    errors = _missing(body)
    if errors:
        return render_template("person/enroll.html", body=body, errors=errors), 422
    if request.form.get("step") != "agree":
        return render_template("person/enroll_preview.html", body=body)
    try:
        gateway().post("/people", body)
    except ApiError as error:
        if error.status != 422:
            raise
        errors = field_errors(error, _enrollment_messages(), gettext("Something in the form could not be used."))
        return render_template("person/enroll.html", body=body, errors=errors), 422
    flash(gettext("You are enrolled. Nobody sees anything you did not agree to."), "success")
    return redirect(url_for("person.home"))


@blueprint.post("/enroll/change")
@requires("person")
def change_enrollment():
    return render_template("person/enroll.html", body=_enrollment_from(request.form), errors={})


def field_label(name: str) -> str:
    """A field in words. A field read under break-glass is named by where it sat in an event
    ("matching.languages.0"): its last named part says what it is."""
    name = next((part for part in reversed(name.split(".")) if not part.isdigit()), name)
    return {
        "display_name": gettext("Your name"), "contact": gettext("How to reach you"),
        "region": gettext("Where you live"), "languages": gettext("Your languages"),
        "modalities": gettext("Ways to meet"), "agencies": gettext("Agencies you receive services from"),
        "experiences": gettext("The experiences you share for matching"),
        "shared_items": gettext("The experiences you share for matching"),
        "experience": gettext("The experiences you share for matching"),
    }.get(name, name)


def preview_value(name: str, body: dict) -> str:
    lists = {"languages": "languages", "modalities": "modalities"}
    if name in lists:
        return ", ".join(vocabulary().labels(lists[name], body.get(name))) or gettext("Nothing.")
    if name == "region":
        return vocabulary().label("regions", body.get("region") or "")
    if name == "experiences":
        return gettext("Only the items you mark \"for matching\" on the next page, and none that you keep private.")
    return body.get(name) or gettext("Nothing.")


def audience_label(audience: str, to: dict | None = None) -> str:
    """Who was shown something, in words: a read through another service is named by the
    reader's role (the log keeps their id, which says nothing to a person)."""
    if audience == "access_log":
        audience = {"peer": "offered_peer", "agency_admin": "referring_agency", "state_auditor": "state_audit",
                    "supervisor": "offered_peer"}.get((to or {}).get("role"), audience)
    return {"matching": gettext("peernet, to look for peers for you"),
            "offered_peer": gettext("A peer worker you chose or were offered"),
            "connected_peer": gettext("The peer worker you are connected with"),
            "referring_agency": gettext("The agency that invited you"),
            "state_audit": gettext("The state's auditors, for a stated reason")}.get(
        audience, gettext("Someone working in peernet"))


def break_glass_reason(code: str) -> str:
    """Why the state's auditor opened access to a person's details (audit's fixed list of reasons)."""
    return {"legal_request": gettext("A court order or subpoena"),
            "complaint_investigation": gettext("A complaint made to the state"),
            "safety_investigation": gettext("A report of harm to investigate"),
            "data_subject_request": gettext("The person asked for their own record")}.get(code, code)


@blueprint.app_template_filter("field_label_filter")
def _field_label_filter(name: str) -> str:
    return field_label(name)


@blueprint.app_context_processor
def person_helpers():
    return {"vocabulary": vocabulary(), "audience_fields": AUDIENCE_FIELDS, "field_label": field_label,
            "field_choices": lambda names: [(n, field_label(n)) for n in names], "preview_value": preview_value,
            "audience_label": audience_label, "break_glass_reason": break_glass_reason}


# -- lived experience, item by item ---------------------------------------------------------
@blueprint.get("/experiences")
@requires("person")
def experiences():
    record = _record() or {}
    shared = {item["experience"]: item["visibility"] for item in record.get("experiences", [])}
    return render_template("person/experiences.html", shared=shared, errors={})


@blueprint.post("/experiences")
@requires("person")
def share_experience():
    experience, visibility = text(request.form, "experience"), text(request.form, "visibility")
    errors = {}
    if not experience:
        errors["experience"] = gettext("Choose an experience.")
    if visibility not in ("private", "matching"):
        errors["visibility"] = gettext("Choose who may use it.")
    if not errors:
        try:
            gateway().post(f"/people/{me()}/shared-experiences", {"experience": experience, "visibility": visibility})
            flash(gettext("Saved. You can change or withdraw it at any time."), "success")
            return redirect(url_for("person.experiences"))
        except ApiError as error:
            if error.status != 422:
                raise
            errors = field_errors(error, {"experience": gettext("Choose an experience from the list."),
                                          "visibility": gettext("Choose who may use it.")},
                                  gettext("Something in the form could not be used."))
    record = _record() or {}
    shared = {item["experience"]: item["visibility"] for item in record.get("experiences", [])}
    return render_template("person/experiences.html", shared=shared, errors=errors,
                           chosen=(experience, visibility)), 422


@blueprint.post("/experiences/visibility")
@requires("person")
def change_visibility():
    # Sharing an item again with the other visibility is how the API changes it.
    visibility = "private" if request.form.get("visibility") == "private" else "matching"
    gateway().post(f"/people/{me()}/shared-experiences", {"experience": text(request.form, "experience"),
                                                          "visibility": visibility})
    flash(gettext("Saved. You can change or withdraw it at any time."), "success")
    return redirect(url_for("person.experiences"))


@blueprint.post("/experiences/withdrawals")
@requires("person")
def withdraw_experience():
    gateway().post(f"/people/{me()}/experience-withdrawals", {"experience": text(request.form, "experience")})
    flash(gettext("Withdrawn. Nobody uses it any more."), "success")
    return redirect(url_for("person.experiences"))


# -- asking for support -----------------------------------------------------------------------
def _support_messages() -> dict[str, str]:
    return {"region": gettext("Choose where you live."), "languages": gettext("Choose at least one language."),
            "modalities": gettext("Choose at least one way of meeting."),
            "hopes": gettext("Write up to 1,000 characters, or leave it empty.")}


@blueprint.route("/support", methods=["GET", "POST"])
@requires("person")
def ask_for_support():
    record = _record()
    if record is None:
        return redirect(url_for("person.enroll"))
    details = record["details"] or {}
    if request.method == "GET":
        return render_template("person/support.html", body=details, errors={})
    body = {"region": text(request.form, "region"), "languages": listed(request.form, "languages"),
            "modalities": listed(request.form, "modalities"), "hopes": text(request.form, "hopes")}
    messages = _support_messages()
    errors = {name: messages[name] for name in ("region", "languages", "modalities") if not body[name]}
    if not errors:
        changes = {k: body[k] for k in ("region", "languages", "modalities") if body[k] != details.get(k)}
        try:
            if changes:
                gateway().post(f"/people/{me()}/detail-changes", changes)
            gateway().post(f"/people/{me()}/support-requests", {"request_id": str(uuid.uuid4()),
                                                                "hopes": body["hopes"]})
            gateway().post(f"/people/{me()}/offer-requests", {})
        except ApiError as error:
            if error.status != 422:
                raise
            errors = field_errors(error, messages, gettext("Something in the form could not be used."))
    if errors:
        return render_template("person/support.html", body=body, errors=errors), 422
    return redirect(url_for("person.offers"))


# -- offers, the choice, the wait ---------------------------------------------------------------
@blueprint.get("/offers")
@requires("person")
def offers():
    return render_template("person/offers.html", offers=gateway().get(f"/people/{me()}/offers"))


@blueprint.post("/offers/more")
@requires("person")
def more_offers():
    limit = text(request.form, "relax")
    gateway().post(f"/people/{me()}/offer-requests", {limit: True} if limit in RELAXABLE else {})
    return redirect(url_for("person.offers"))


@blueprint.post("/waitlist")
@requires("person")
def join_waitlist():
    gateway().post(f"/people/{me()}/waitlist-entries", {})
    flash(gettext("You are on the waiting list. You will be offered a peer when one is free."), "success")
    return redirect(url_for("person.home"))


@blueprint.post("/choices")
@requires("person")
def choose():
    try:
        gateway().post(f"/people/{me()}/choices", {"peer_worker_id": text(request.form, "peer_worker_id")})
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        flash(gettext("That peer's place was just taken. Please choose another."), "warning")
        return redirect(url_for("person.offers"))
    flash(gettext("You chose a peer. They will answer soon."), "success")
    return redirect(url_for("person.home"))


# -- the connection ------------------------------------------------------------------------------
@blueprint.route("/connections/<uuid:connection_id>/end", methods=["GET", "POST"])
@requires("person")
def end_connection(connection_id):
    connections = gateway().get(f"/people/{me()}/connections")["items"]
    connection = next((c for c in connections if c["connection_id"] == str(connection_id) and c["active"]), None)
    if connection is None:
        return redirect(url_for("person.home"))
    if request.method == "GET":
        return render_template("person/end_connection.html", connection=connection)
    gateway().post(f"/connections/{connection_id}/endings", {})
    flash(gettext("The connection has ended. You can ask for support again whenever you like."), "success")
    return redirect(url_for("person.home"))


def _block(peer_worker_id: str) -> None:
    gateway().post(f"/people/{me()}/blocked-peers", {"peer_worker_id": peer_worker_id})
    flash(gettext("Blocked. You will not be offered this peer worker again."), "success")


@blueprint.post("/offers/block")
@requires("person")
def block_offered_peer():
    _block(text(request.form, "peer_worker_id") or "")
    return redirect(url_for("person.offers"))


@blueprint.post("/connections/<uuid:connection_id>/block")
@requires("person")
def block_connected_peer(connection_id):
    """Ends the connection too, and nobody is asked why."""
    connections = gateway().get(f"/people/{me()}/connections")["items"]
    connection = next((c for c in connections if c["connection_id"] == str(connection_id)), None)
    if connection is not None:
        _block(connection["peer_worker_id"])
    return redirect(url_for("person.home"))


# -- consent ------------------------------------------------------------------------------------------
@blueprint.route("/consent", methods=["GET", "POST"])
@requires("person")
def consent():
    record = _record()
    if record is None:
        return redirect(url_for("person.enroll"))
    if request.method == "GET":
        return render_template("person/consent.html", record=record, body={"consent": record["consent"] or {}})
    may_see = _enrollment_from(request.form)["consent"]
    gateway().post(f"/people/{me()}/consents", {"consent": may_see})
    flash(gettext("Saved. From now on, each side sees only what you chose."), "success")
    return redirect(url_for("person.my_data"))


@blueprint.post("/consent/revocation")
@requires("person")
def revoke_consent():
    gateway().post(f"/people/{me()}/consent-revocations", {})
    flash(gettext("Your consent is withdrawn. peernet no longer uses your data, and your open requests are "
                  "closed."), "success")
    return redirect(url_for("person.my_data"))


# -- my data -----------------------------------------------------------------------------------------
@blueprint.get("/data")
@requires("person")
def my_data():
    record = _record()
    if record is None:
        return redirect(url_for("person.enroll"))
    disclosures = gateway().get(f"/people/{me()}/disclosures", limit=100)["items"]
    return render_template("person/data.html", record=record, disclosures=disclosures)


@blueprint.get("/data/export.json")
@requires("person")
def export():
    record = gateway().get(f"/people/{me()}")
    return Response(json.dumps(record, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-peernet-data.json"'})


@blueprint.route("/forget", methods=["GET", "POST"])
@requires("person")
def forget():
    if request.method == "GET":
        return render_template("person/forget.html")
    gateway().post(f"/people/{me()}/erasures", {})
    end_session()
    return render_template("person/forgotten.html")
