"""A peer supervisor's pages: my supervisees and the capacity they use, offers to supervise,
sessions logged and confirmed, and who is overdue.

A session is facts only (date, minutes, kind, format): there is no field for what was said."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from services.web.auth import gateway, requires
from services.web.auth import user_id as me
from services.web.forms import field_errors, text
from services.web.gateway import ApiError, read_every, read_or_none
from services.web.i18n import gettext
from services.web.peer import confirmed_session
from services.web.peer import words as peer_words

blueprint = Blueprint("supervisor", __name__, url_prefix="/supervisor")

DECLINE_REASONS = ("at_capacity", "schedule", "dual_relationship", "other")
SESSION_FIELDS = ("peer_worker_id", "date", "minutes", "kind", "grouping", "medium")
MOST_MINUTES = 24 * 60  # supervision's own limit: a session is at most a day


def words() -> dict[str, dict[str, str]]:
    return {**peer_words(), "reason": {
        "at_capacity": gettext("I have no room for another supervisee"),
        "schedule": gettext("Our schedules do not fit"),
        "dual_relationship": gettext("I have another relationship with this peer worker"),
        "other": gettext("Another reason"),
    }}


@blueprint.context_processor
def supervisor_helpers():
    return {"words": words()}


def _load() -> dict | None:
    return read_or_none(gateway(), f"/supervisors/{me()}/load")


def _names(peer_worker_ids) -> dict[str, str]:
    """Supervision keeps no names: a supervisee in the networking pool goes by their pool name."""
    wanted = set(peer_worker_ids)
    if not wanted:
        return {}
    pooled = {member["peer_worker_id"]: member["display_name"] for member in read_every(gateway(), "/pool-members")
              if member["peer_worker_id"] in wanted}
    return {worker: pooled.get(worker) or gettext("Supervisee %(ref)s, not in the networking pool", ref=worker[:8])
            for worker in wanted}


def _with_status(load: dict, status: str) -> list[dict]:
    return [supervision for supervision in load["supervisions"] if supervision["status"] == status]


# -- home: supervisees and capacity ---------------------------------------------------------------
@blueprint.get("")
@requires("supervisor")
def home():
    load = _load()
    if load is None:
        return render_template("supervisor/no_record.html")
    active = sorted(_with_status(load, "active"), key=lambda s: (not (s["due"] or {}).get("overdue"),
                                                                  (s["due"] or {}).get("next_due") or ""))
    return render_template("supervisor/home.html", load=load, active=active,
                           offers=len(_with_status(load, "offered")),
                           names=_names(s["peer_worker_id"] for s in load["supervisions"]))


# -- offers to supervise ------------------------------------------------------------------------
def _offers_page(errors: dict, status: int = 200):
    load = _load() or {"supervisions": []}
    offers = _with_status(load, "offered")
    return render_template("supervisor/offers.html", offers=offers, errors=errors,
                           names=_names(o["peer_worker_id"] for o in offers)), status


@blueprint.get("/offers")
@requires("supervisor")
def offers():
    return _offers_page({})


def _answer(assignment_id, act: str, body: dict, done: str):
    try:
        gateway().post(f"/supervision-offers/{assignment_id}/{act}", body)
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        flash(gettext("This offer was already answered, or it has ended."), "warning")
        return redirect(url_for("supervisor.offers"))
    flash(done, "success")
    return redirect(url_for("supervisor.home" if act == "acceptances" else "supervisor.offers"))


@blueprint.post("/offers/<uuid:assignment_id>/acceptance")
@requires("supervisor")
def accept(assignment_id):
    return _answer(assignment_id, "acceptances", {}, gettext("You accepted. The peer worker is now your supervisee."))


@blueprint.post("/offers/<uuid:assignment_id>/decline")
@requires("supervisor")
def decline(assignment_id):
    reason = text(request.form, f"reason-{assignment_id}")
    if reason not in DECLINE_REASONS:
        # The API asks a reason code (never free text): the page asks before sending.
        return _offers_page({f"reason-{assignment_id}": gettext("Choose why you decline.")}, 422)
    return _answer(assignment_id, "declines", {"reason": reason},
                   gettext("You declined. The peer worker is offered another supervisor."))


# -- sessions -------------------------------------------------------------------------------------
def _supervisees(load: dict | None) -> list[str]:
    return sorted({s["peer_worker_id"] for s in _with_status(load, "active")}) if load else []


@blueprint.get("/sessions")
@requires("supervisor")
def sessions():
    supervisees = _supervisees(_load())
    mine = []
    for supervisee in supervisees:
        record = read_or_none(gateway(), f"/peer-workers/{supervisee}/supervision-record") or {"sessions": []}
        mine += [{**item, "peer_worker_id": supervisee} for item in record["sessions"]
                 if item["supervisor_id"] == me()]
    mine.sort(key=lambda item: item["date"], reverse=True)
    return render_template("supervisor/sessions.html", names=_names(supervisees),
                           to_confirm=[item for item in mine if "supervisor" not in item["confirmed_by"]],
                           logged=mine)


@blueprint.post("/sessions/<uuid:session_id>/confirmation")
@requires("supervisor")
def confirm(session_id):
    return confirmed_session(session_id, "supervisor.sessions")


def _session_messages() -> dict[str, str]:
    return {
        "peer_worker_id": gettext("Choose the supervisee you met."),
        "date": gettext("Enter the date of the session: today or a day before."),
        "minutes": gettext("Enter how long the session was, in whole minutes from 1 to 1440."),
        "kind": gettext("Choose the kind of supervision."),
        "grouping": gettext("Choose individual or group."),
        "medium": gettext("Choose how you met."),
        # supervision's refusal of a pair without an accepted supervision of this kind
        "supervisor_id": gettext("You do not supervise this peer worker in this kind of supervision."),
    }


def _session_from(form) -> dict:
    minutes = text(form, "minutes") or ""
    return {"supervisor_id": me(), **{name: text(form, name) for name in SESSION_FIELDS},
            "minutes": int(minutes) if minutes.isdecimal() else minutes}


def _unusable(body: dict, supervisees: list[str]) -> dict[str, str]:
    """What the page can tell before asking the API."""
    messages = _session_messages()
    errors = {name: messages[name] for name in SESSION_FIELDS if body[name] in (None, "")}
    if body["peer_worker_id"] and body["peer_worker_id"] not in supervisees:
        errors["peer_worker_id"] = messages["peer_worker_id"]
    if not (isinstance(body["minutes"], int) and 1 <= body["minutes"] <= MOST_MINUTES):
        errors["minutes"] = messages["minutes"]
    return errors


def _today() -> str:
    return datetime.now(ZoneInfo(current_app.config["PEERNET"].timezone)).date().isoformat()


@blueprint.route("/sessions/new", methods=["GET", "POST"])
@requires("supervisor")
def log_session():
    supervisees = _supervisees(_load())
    if request.method == "GET":
        body = {"date": _today(), "kind": "professional_development", "grouping": "individual"}
        return _log_page(body, {}, supervisees)
    body = _session_from(request.form)
    errors = _unusable(body, supervisees)
    if not errors:
        try:
            gateway().post("/supervision-sessions", body)
            flash(gettext("The session is logged. Your supervisee confirms it, and then it counts."), "success")
            return redirect(url_for("supervisor.sessions"))
        except ApiError as error:
            if error.status != 422:
                raise
            errors = field_errors(error, _session_messages(), gettext("Something in the form could not be used."))
            if "supervisor_id" in errors:  # shown beside the supervisee chosen
                errors["peer_worker_id"] = errors.pop("supervisor_id")
    return _log_page(body, errors, supervisees, 422)


def _log_page(body: dict, errors: dict, supervisees: list[str], status: int = 200):
    names = _names(supervisees)
    choices = sorted(names.items(), key=lambda choice: choice[1])
    return render_template("supervisor/log_session.html", body=body, errors=errors, choices=choices), status


# -- who is overdue ---------------------------------------------------------------------------------
@blueprint.get("/overdue")
@requires("supervisor")
def overdue():
    short = read_every(gateway(), "/supervision-shortfalls", supervisor_id=me())
    # The overdue first, the longest overdue at the top; then those only missing a supervisor.
    short.sort(key=lambda item: (not item["overdue"], min((o["due_on"] for o in item["overdue"]), default="")))
    return render_template("supervisor/overdue.html", short=short,
                           names=_names(item["peer_worker_id"] for item in short))
