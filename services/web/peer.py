"""A peer worker's pages: what needs them now, their profile and items, their availability,
the people who chose them, their connections, the networking pool and their supervision.

Nobody is assigned to a peer worker: every act here is their own choice, and a decline or an
ending asks no reason."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from services.web.auth import gateway, requires
from services.web.auth import user_id as me
from services.web.forms import field_errors, listed, text
from services.web.gateway import ApiError, read_every, read_or_none
from services.web.i18n import format_number, gettext
from services.web.vocabulary import vocabulary

blueprint = Blueprint("peer", __name__, url_prefix="/peer")

VISIBILITIES = ("private", "matching", "network")
MAX_PLACES = 50  # intake's own limit, told before asking


def _or_none(path: str):
    return read_or_none(gateway(), path)


def _every(path: str, **filters) -> list:
    """A peer worker's requests and connections are few: every page at once."""
    return read_every(gateway(), path, **filters)


def _profile() -> dict | None:
    return _or_none(f"/peer-workers/{me()}")


def _refused(error: ApiError, messages: dict[str, str]) -> dict[str, str]:
    """The API's field errors in the page's own words; anything but a 422 is not the form's fault."""
    if error.status != 422:
        raise error
    return field_errors(error, messages, gettext("Something in the form could not be used."))


def words() -> dict[str, dict[str, str]]:
    """The API's codes in the page's language."""
    return {
        "visibility": {
            "private": gettext("Only me"),
            "matching": gettext("Used to find people I could support, shown to a person only when they shared "
                                "the same item"),
            "network": gettext("Visible to other peer workers in the networking pool"),
        },
        "visibility_short": {"private": gettext("Private"), "matching": gettext("Matching"),
                             "network": gettext("Network")},
        "kind": {"professional_development": gettext("Professional development"),
                 "administrative": gettext("Administrative")},
        "grouping": {"individual": gettext("Individual"), "group": gettext("Group")},
        "medium": {"in_person": gettext("In person"), "phone": gettext("Phone"), "video": gettext("Video")},
        "stage": {"provisional": gettext("Not yet certified"), "certified": gettext("Certified")},
    }


@blueprint.context_processor
def peer_helpers():
    return {"vocabulary": vocabulary(), "words": words()}


# -- home and profile ------------------------------------------------------------------------
@blueprint.get("")
@requires("peer")
def home():
    profile = _profile()
    if profile is None:
        return render_template("peer/no_profile.html")
    waiting = _every(f"/peer-workers/{me()}/requests")
    active = [c for c in _every(f"/peer-workers/{me()}/connections") if c["active"]]
    return render_template("peer/home.html", profile=profile, waiting=waiting, active=len(active))


@blueprint.get("/profile")
@requires("peer")
def profile():
    record = _profile()
    if record is None:
        return redirect(url_for("peer.home"))
    organization = _or_none(f"/organizations/{record['organization_id']}")
    return render_template("peer/profile.html", profile=record, organization=organization)


# -- lived experience, item by item -------------------------------------------------------------
def _experiences_page(errors: dict, chosen: dict, status: int = 200):
    record = _profile()
    if record is None:
        return redirect(url_for("peer.home"))
    shared = {item["experience"]: item["visibility"] for item in record["experiences"]}
    return render_template("peer/experiences.html", shared=shared, errors=errors, chosen=chosen), status


@blueprint.get("/experiences")
@requires("peer")
def experiences():
    return _experiences_page({}, {})


@blueprint.post("/experiences")
@requires("peer")
def share_experience():
    chosen = {"experience": text(request.form, "experience"), "visibility": text(request.form, "visibility")}
    messages = {"experience": gettext("Choose an experience from the list."),
                "visibility": gettext("Choose who may see it.")}
    errors = {name: messages[name] for name in messages if not chosen[name]}
    if chosen["visibility"] and chosen["visibility"] not in VISIBILITIES:
        errors["visibility"] = messages["visibility"]
    if not errors:
        try:
            gateway().post(f"/peer-workers/{me()}/shared-experiences", chosen)
            flash(gettext("Saved. You can change or withdraw it at any time."), "success")
            return redirect(url_for("peer.experiences"))
        except ApiError as error:
            errors = _refused(error, messages)
    if request.form.get("item"):
        # changed beside an item already shared: the message goes beside that item
        errors = {f"visibility-{chosen['experience']}": errors.get("visibility") or next(iter(errors.values()))}
    return _experiences_page(errors, chosen, 422)


@blueprint.post("/experiences/withdrawals")
@requires("peer")
def withdraw_experience():
    gateway().post(f"/peer-workers/{me()}/experience-withdrawals", {"experience": text(request.form, "experience")})
    flash(gettext("Withdrawn. Nobody sees it or uses it any more."), "success")
    return redirect(url_for("peer.experiences"))


# -- availability: set by the peer worker, never assigned -------------------------------------
def _availability_messages() -> dict[str, str]:
    return {
        "capacity": gettext("Enter how many people you can support at the same time: a whole number from 0 to 50."),
        "modalities": gettext("Choose at least one way of meeting."),
        "languages": gettext("Choose at least one language."),
        "regions": gettext("Choose regions from the list."),
        "remote": gettext("Choose whether you can meet remotely."),
    }


def _availability_from(form, kept: dict) -> dict:
    capacity = text(form, "capacity") or ""
    return {"capacity": int(capacity) if capacity.isdecimal() else capacity,
            "times": kept.get("times", []),  # this form does not change the weekly times: sent back as they were
            "modalities": listed(form, "modalities"), "languages": listed(form, "languages"),
            "regions": listed(form, "regions"), "remote": {"yes": True, "no": False}.get(form.get("remote"))}


def _unusable(body: dict) -> dict[str, str]:
    """What the page can tell before asking the API."""
    messages = _availability_messages()
    errors = {name: messages[name] for name in ("modalities", "languages") if not body[name]}
    if not isinstance(body["capacity"], int) or body["capacity"] > MAX_PLACES:
        errors["capacity"] = messages["capacity"]
    if body["remote"] is None:
        errors["remote"] = messages["remote"]
    return errors


@blueprint.route("/availability", methods=["GET", "POST"])
@requires("peer")
def availability():
    record = _profile()
    if record is None:
        return redirect(url_for("peer.home"))
    kept = record["availability"] or {}
    if request.method == "GET":
        body = kept or {"capacity": "", "languages": [g.locale], "modalities": [],
                        "regions": [], "remote": None}
        return render_template("peer/availability.html", body=body, paused=record["paused"], errors={})
    body = _availability_from(request.form, kept)
    errors = _unusable(body)
    if not errors:
        try:
            gateway().post(f"/peer-workers/{me()}/availability-settings", body)
            flash(gettext("Your availability is saved."), "success")
            return redirect(url_for("peer.availability"))
        except ApiError as error:
            errors = _refused(error, _availability_messages())
    return render_template("peer/availability.html", body=body, paused=record["paused"], errors=errors), 422


@blueprint.post("/availability/pause")
@requires("peer")
def pause():
    gateway().post(f"/peer-workers/{me()}/pauses", {})
    flash(gettext("Paused. You are not offered to anyone until you resume."), "success")
    return redirect(url_for("peer.availability"))


@blueprint.post("/availability/resume")
@requires("peer")
def resume():
    gateway().post(f"/peer-workers/{me()}/resumptions", {})
    flash(gettext("Resumed. You can be offered to people again while you have a free place."), "success")
    return redirect(url_for("peer.availability"))


# -- people who chose me, and my connections ----------------------------------------------------
@blueprint.get("/requests")
@requires("peer")
def chosen():
    return render_template("peer/requests.html", waiting=_every(f"/peer-workers/{me()}/requests"))


def _answer(choice_id, act: str, done: str):
    try:
        gateway().post(f"/choices/{choice_id}/{act}", {})
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        flash(gettext("This choice was already answered, or its time to answer has passed."), "warning")
        return redirect(url_for("peer.chosen"))
    flash(done, "success")
    return redirect(url_for("peer.connections" if act == "acceptances" else "peer.chosen"))


@blueprint.post("/requests/<uuid:choice_id>/acceptance")
@requires("peer")
def accept(choice_id):
    return _answer(choice_id, "acceptances", gettext("You accepted. The connection has begun."))


@blueprint.post("/requests/<uuid:choice_id>/decline")
@requires("peer")
def decline(choice_id):
    return _answer(choice_id, "declines", gettext("You declined. The person is told and can choose again."))


@blueprint.post("/requests/<uuid:choice_id>/block")
@requires("peer")
def block_chooser(choice_id):
    """The choice lapses and the person is never offered this peer again; the person is told only that it lapsed."""
    try:
        gateway().post(f"/peer-workers/{me()}/blocked-people", {"choice_id": str(choice_id)})
    except ApiError as error:
        if error.status not in (404, 409):
            raise
        flash(gettext("This choice was already answered, or its time to answer has passed."), "warning")
        return redirect(url_for("peer.chosen"))
    flash(gettext("Blocked. You will not be offered to this person again."), "success")
    return redirect(url_for("peer.chosen"))


def _work_contact_messages() -> dict[str, str]:
    return {"use": gettext("Give a work phone or a work email, or choose your organization's contact."),
            "phone": gettext("Enter a phone number: digits, spaces, brackets, dots or dashes, and an optional +."),
            "email": gettext("Enter an email address, like name@example.org.")}


def _connections_page(work_contact: dict | None, errors: dict, status: int = 200):
    every = _every(f"/peer-workers/{me()}/connections")
    return render_template("peer/connections.html", active=[c for c in every if c["active"]],
                           ended=sum(1 for c in every if not c["active"]), work_contact=work_contact,
                           errors=errors), status


@blueprint.get("/connections")
@requires("peer")
def connections():
    return _connections_page(_or_none(f"/peer-workers/{me()}/work-contact"), {})


@blueprint.post("/connections/work-contact")
@requires("peer")
def set_work_contact():
    """How the people connected with me reach me: my organization's published contact, or my own at work."""
    use = "own" if request.form.get("use") == "own" else "organization"
    body = {"use": use}
    if use == "own":
        body.update(phone=text(request.form, "phone"), email=text(request.form, "email"))
    try:
        gateway().post(f"/peer-workers/{me()}/work-contact-settings", body)
    except ApiError as error:
        return _connections_page(body, _refused(error, _work_contact_messages()), 422)
    flash(gettext("Saved. The people you are connected with see this from now on."), "success")
    return redirect(url_for("peer.connections"))


def _active_connection(connection_id) -> dict | None:
    return next((c for c in _every(f"/peer-workers/{me()}/connections")
                 if c["active"] and c["connection_id"] == str(connection_id)), None)


@blueprint.get("/connections/<uuid:connection_id>")
@requires("peer")
def connection(connection_id):
    """How to reach the person, only what they chose to give; the person's log records this read."""
    if _active_connection(connection_id) is None:
        return redirect(url_for("peer.connections"))
    contact = _or_none(f"/connections/{connection_id}/contact")
    return render_template("peer/connection.html", connection_id=connection_id,
                           contact=(contact or {}).get("contact"), following=contact is None)


@blueprint.post("/connections/<uuid:connection_id>/block")
@requires("peer")
def block_connected(connection_id):
    if _active_connection(connection_id) is not None:
        gateway().post(f"/peer-workers/{me()}/blocked-people", {"connection_id": str(connection_id)})
        flash(gettext("The connection has ended, and you will not be offered to this person again."), "success")
    return redirect(url_for("peer.connections"))


@blueprint.route("/connections/<uuid:connection_id>/end", methods=["GET", "POST"])
@requires("peer")
def end_connection(connection_id):
    active = [c for c in _every(f"/peer-workers/{me()}/connections") if c["active"]]
    if not any(c["connection_id"] == str(connection_id) for c in active):
        return redirect(url_for("peer.connections"))
    if request.method == "GET":
        return render_template("peer/end_connection.html", connection_id=connection_id)
    gateway().post(f"/connections/{connection_id}/endings", {})
    flash(gettext("The connection has ended."), "success")
    return redirect(url_for("peer.connections"))


# -- the networking pool ----------------------------------------------------------------------
def _pool_messages() -> dict[str, str]:
    return {"display_name": gettext("Enter the name other peer workers see, up to 80 characters."),
            "region": gettext("Choose your region."),
            "languages": gettext("Choose languages from the list."),
            "specialties": gettext("Write each specialty in up to 60 characters, separated by commas.")}


def _pool_page(join: dict, errors: dict, status: int = 200):
    found = {name: text(request.args, name) for name in ("region", "language", "specialty")}
    results = gateway().get("/pool-members", limit=50, cursor=text(request.args, "cursor"), **found)
    names = {o["organization_id"]: o["name"] for o in gateway().get("/organizations", limit=200)["items"]}
    return render_template("peer/pool.html", workforce=_or_none(f"/workforce-records/{me()}"), join=join,
                           errors=errors, found=found, results=results, names=names), status


@blueprint.get("/pool")
@requires("peer")
def pool():
    record = _profile() or {}
    return _pool_page({"display_name": record.get("display_name"), "languages": []}, {})


@blueprint.post("/pool/join")
@requires("peer")
def join_pool():
    record = _profile()
    if record is None:
        return redirect(url_for("peer.home"))
    specialties = [s.strip() for s in (text(request.form, "specialties") or "").split(",") if s.strip()]
    body = {"organization_id": record["organization_id"], "display_name": text(request.form, "display_name"),
            "region": text(request.form, "region"), "languages": listed(request.form, "languages"),
            "specialties": specialties}
    messages = _pool_messages()
    errors = {name: messages[name] for name in ("display_name", "region") if not body[name]}
    if not errors:
        try:
            gateway().post(f"/peer-workers/{me()}/pool-memberships", body)
            flash(gettext("You joined the networking pool. Other peer workers can find you now."), "success")
            return redirect(url_for("peer.pool"))
        except ApiError as error:
            errors = _refused(error, messages)
    return _pool_page(body, errors, 422)


@blueprint.post("/pool/leave")
@requires("peer")
def leave_pool():
    gateway().post(f"/peer-workers/{me()}/pool-departures", {})
    flash(gettext("You left the networking pool. Nobody finds you there any more."), "success")
    return redirect(url_for("peer.pool"))


# -- supervision ---------------------------------------------------------------------------------
@blueprint.get("/supervision")
@requires("peer")
def supervision():
    record = _or_none(f"/peer-workers/{me()}/supervision-record")
    return render_template("peer/supervision.html", record=record)


def confirmed_session(session_id, back: str):
    """A supervision session confirmed by one of its two sides (the supervisor's pages too), then `back`."""
    try:
        gateway().post(f"/supervision-sessions/{session_id}/confirmations", {})
    except ApiError as error:
        if error.status not in (404, 422):
            raise
        flash(gettext("This session could not be confirmed: it may have been corrected. Look at it again."),
              "warning")
        return redirect(url_for(back))
    flash(gettext("Confirmed. The session counts once both of you have confirmed it."), "success")
    return redirect(url_for(back))


@blueprint.post("/supervision/sessions/<uuid:session_id>/confirmations")
@requires("peer")
def confirm_session(session_id):
    """A session their supervisor logged, confirmed by the supervisee: then it counts."""
    return confirmed_session(session_id, "peer.supervision")


@blueprint.get("/supervision/search")
@requires("peer")
def find_supervisor():
    # A look-up that changes nothing: a GET form, so it works as a link and needs no token.
    kind = request.args.get("kind")
    asked = {"kind": kind if kind in words()["kind"] else "professional_development"}
    languages = listed(request.args, "languages")
    if languages:
        asked["languages"] = languages
    found = gateway().post(f"/peer-workers/{me()}/supervisor-searches", asked) if kind else None
    shown = _supervisors_shown(found["options"]) if found else None
    return render_template("peer/find_supervisor.html", asked={**asked, "languages": languages}, found=found,
                           shown=shown)


def _supervisors_shown(options: list[dict]) -> list[dict]:
    """Each supervisor found: their pool name (supervision keeps none), where they work, and why, in words."""
    names = {}
    for region in sorted({option["pool_region"] for option in options if option.get("pool_region")}):
        names.update({member["peer_worker_id"]: member["display_name"]
                      for member in _every("/pool-members", region=region)})
    organizations: dict[str, str] = {}
    for option in options:
        for organization_id in _organization_ids(option):
            if organization_id not in organizations:
                organization = _or_none(f"/organizations/{organization_id}")
                organizations[organization_id] = organization["name"] if organization else \
                    gettext("an organization not in the directory")
    return [{"name": names.get(option["supervisor_id"]),
             "organizations": [organizations[o] for o in option["organization_ids"]],
             "facts": _fact_sentences(option, organizations)} for option in options]


def _organization_ids(option: dict) -> list[str]:
    pool_fact = [fact.get("organization_id") for fact in option.get("facts", []) if fact["code"] == "pool"]
    return [*option["organization_ids"], *filter(None, pool_fact)]


def _fact_sentences(option: dict, organizations: dict[str, str]) -> list[dict]:
    """(text, lang) for each fact; a fact this page does not know yet keeps the service's English reason."""
    sentences = []
    for fact, reason in zip(option["facts"], option["reasons"]):
        said = _fact_sentence(fact, organizations)
        sentences.append({"text": said, "lang": None} if said else {"text": reason, "lang": "en"})
    return sentences


def _fact_sentence(fact: dict, organizations: dict[str, str]) -> str | None:
    code = fact["code"]
    if code == "same_organization":
        return gettext("Works in your own organization.")
    if code == "agreement":
        return gettext("Can supervise you under an active supervision agreement between the two organizations.")
    if code == "pool":
        return gettext("From the networking pool: %(organization)s and your organization need a supervision "
                       "agreement, accepted by both, before an offer.",
                       organization=organizations.get(fact["organization_id"], fact["organization_id"]))
    if code == "same_region":
        return gettext("Serves the same region as you: %(region)s.",
                       region=vocabulary().label("regions", fact["region"]))
    if code == "speaks":
        return gettext("Speaks %(language)s.", language=vocabulary().label("languages", fact["language"]))
    if code == "specialty":
        return gettext("Specialty: %(specialty)s.", specialty=fact["specialty"])
    if code == "free_capacity":
        return gettext("Free places: %(free)s full-time peer workers", free=format_number(fact["free"]))
    return None
