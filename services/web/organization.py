"""An organization admin's pages (an agency's, or a peer-run organization's: the same role on an
organization of another kind): our organization; our peer workers with their deadlines; subcontracts
(make, amend, renew, end), their placements and the hours delivered each week; supervision
agreements (propose, accept, end); finding a supervisor for our staff; what is due and who is short.

Nobody types an id: every organization, peer worker and supervisor is chosen from a list. Duty
lists are checked against the handbook's peer-role chart before anything is made ("Check the
duties": the gateway's POST /duty-checks), and the API's own refusal is shown the same way if it
still comes."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from services.web.auth import gateway, requires
from services.web.forms import field_errors, listed, text
from services.web.gateway import ApiError, read_every, read_or_none
from services.web.i18n import format_number, gettext
from services.web.peer import words as peer_words
from services.web.vocabulary import vocabulary

blueprint = Blueprint("organization", __name__, url_prefix="/organization")

ADMIN = "agency_admin"
PROVIDER_DUTIES = ("hiring", "training", "supervision")
SOON, SOONER = 60, 30  # days ahead a deadline is highlighted
MOST_DUTIES = 50  # directory's own limit on a duty list


# -- what every page needs ---------------------------------------------------------------------
def ours() -> str:
    return session["organization_id"]


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["PEERNET"].timezone)).date()


def words() -> dict[str, dict[str, str]]:
    return {**peer_words(), **{
        "kind_of_organization": {"agency": gettext("Agency"),
                                 "peer_run_organization": gettext("Peer-run organization")},
        "provider_duty": {"hiring": gettext("Hiring the peer workers"), "training": gettext("Training them"),
                          "supervision": gettext("Supervising them")},
        "certification": {"certified": gettext("Certified"), "due": gettext("To certify by the deadline"),
                          "overdue": gettext("Certification overdue"), "not_required": gettext("Not required")},
        "agreement_status": {"open": gettext("Open"), "ended": gettext("Ended"), "proposed": gettext("Proposed"),
                             "active": gettext("Active"), "declined": gettext("Declined")},
        "credential": {
            "certified_peer_specialist": gettext("Certified Peer Specialist"),
            "recovery_coach": gettext("Recovery coach"), "peer_supervisor": gettext("Peer supervisor"),
            "specialty_forensic": gettext("Specialty: forensic"),
            "specialty_employment": gettext("Specialty: employment"), "specialty_youth": gettext("Specialty: youth"),
            "specialty_family": gettext("Specialty: family"), "specialty_veteran": gettext("Specialty: veterans"),
            "facilitator_wrap": gettext("WRAP facilitator"),
            "facilitator_hearing_voices": gettext("Hearing Voices facilitator"),
            "facilitator_alternatives_to_suicide": gettext("Alternatives to Suicide facilitator"),
            "facilitator_intentional_peer_support": gettext("Intentional Peer Support facilitator"),
        },
    }}


def deadline(value: str | None) -> dict | None:
    """A date ahead, with how near it is: past, within 30 days, within 60 days, or later."""
    if not value:
        return None
    days = (date.fromisoformat(value[:10]) - today()).days
    level = "past" if days < 0 else "sooner" if days <= SOONER else "soon" if days <= SOON else None
    return {"date": value, "days": days, "level": level}


@blueprint.context_processor
def organization_helpers():
    return {"words": words(), "vocabulary": vocabulary(), "deadline": deadline, "chart_text": chart_text}


def _organization() -> dict:
    found = read_or_none(gateway(), f"/organizations/{ours()}")
    if found is None:
        raise ApiError(404, "organization not found")
    return found


def _organizations() -> dict[str, dict]:
    """Every organization by id: the API keys agreements by id, the pages show names."""
    return {o["organization_id"]: o for o in read_every(gateway(), "/organizations", include_closed="true")}


def _name_of(organizations: dict, organization_id: str) -> str:
    found = organizations.get(organization_id)
    return found["name"] if found else gettext("an organization not in the directory")


def _workforce() -> list[dict]:
    """Our current peer workers' employments, each with its credential status."""
    return read_every(gateway(), "/employments", organization_id=ours())


def _peer_names(peer_worker_ids) -> dict[str, str]:
    """Names from each profile (the workforce lists carry none); one of another organization's peer
    workers is not ours to read, and goes by a short reference."""
    names = {}
    for worker in dict.fromkeys(peer_worker_ids):
        try:
            profile = read_or_none(gateway(), f"/peer-workers/{worker}")
        except ApiError as error:
            if error.status != 403:
                raise
            profile = None
        names[worker] = profile["display_name"] if profile else gettext("Peer worker %(ref)s", ref=worker[:8])
    return names


def _our_peer_workers() -> list[tuple[str, str]]:
    """(id, name) of our current peer workers, by name: the choices of every form that names one."""
    names = _peer_names(member["peer_worker_id"] for member in _workforce())
    return sorted(names.items(), key=lambda choice: choice[1])


def _refused(error: ApiError, messages: dict[str, str]) -> dict[str, str]:
    if error.status != 422:
        raise error
    return field_errors(error, messages, gettext("Something in the form could not be used."))


def _number(value: str | None):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return value


def _whole_or_float(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


# -- our organization --------------------------------------------------------------------------
@blueprint.get("")
@requires(ADMIN)
def home():
    organization = _organization()
    workforce = _workforce()
    near = sum(1 for member in workforce if (deadline(member.get("certify_by")) or {}).get("level")
               and member["certification"] in ("due", "overdue"))
    agreements = read_every(gateway(), "/supervision-agreements", organization_id=ours())
    waiting = [a for a in agreements if a["status"] == "proposed" and ours() not in a["accepted_by"]]
    short = gateway().get("/supervision-shortfalls", organization_id=ours(), limit=200)
    return render_template("organization/home.html", organization=organization, workforce=len(workforce),
                           near=near, waiting=len(waiting), short=short)


# -- our peer workers --------------------------------------------------------------------------
def _worker_row(member: dict, record: dict | None, name: str) -> dict:
    credentials = [c for c in (record or {}).get("credentials", []) if c["current"] or c["expired"]]
    education = (record or {}).get("continuing_education", [])
    certify = deadline(member.get("certify_by")) if member["certification"] in ("due", "overdue") else None
    expiring = [{**c, "deadline": deadline(c["expires"])} for c in credentials]
    levels = [d["level"] for d in [certify, *(c["deadline"] for c in expiring if not c["expired"])] if d]
    nearest = min([d["days"] for d in [certify, *(c["deadline"] for c in expiring)] if d] or [10 ** 6])
    return {"member": member, "name": name, "credentials": expiring, "certify": certify,
            "education_hours": sum(period["hours"] for period in education),
            "education_latest": max((p["period_end"] for p in education), default=None),
            "flagged": bool(levels) or any(c["expired"] for c in expiring), "nearest": nearest}


@blueprint.get("/peer-workers")
@requires(ADMIN)
def peer_workers():
    workforce = _workforce()
    names = _peer_names(member["peer_worker_id"] for member in workforce)
    rows = [_worker_row(member, read_or_none(gateway(), f"/workforce-records/{member['peer_worker_id']}"),
                        names[member["peer_worker_id"]]) for member in workforce]
    rows.sort(key=lambda row: (row["nearest"], row["name"]))  # the nearest deadline first
    return render_template("organization/peer_workers.html", rows=rows, soon=SOON, sooner=SOONER)


# -- duties and the peer-role chart ------------------------------------------------------------
def _chart() -> dict:
    return gateway().get("/peer-role-chart")


def chart_text(texts: dict | None) -> str:
    """One of the chart's texts ({en, es}) in the page's language: the chart's own words."""
    if not texts:
        return ""
    return texts.get(getattr(g, "locale", "en")) or texts.get("en", "")


def _duty_lines(form) -> list[str]:
    """The duty list, one line each, with any line the admin chose to replace by the chart's alternative."""
    lines = [line.strip() for line in (form.get("duties") or "").splitlines() if line.strip()]
    replacing = {int(value) for value in form.getlist("replace") if value.isdecimal()}
    if replacing:
        for index, refused in _refusals(lines).items():
            alternative = chart_text(refused["alternative"])
            if index in replacing and alternative:
                lines[index] = alternative
    return lines


def _refusals(lines: list[str]) -> dict[int, dict]:
    """Each refused line (by its index) with the chart's duty, reasons, why and alternative.

    The gateway's POST /duty-checks runs the check directory runs on submitting (English or
    Spanish lines), so "Check the duties" answers what the API would. A list too long for it
    is not checked: the page's own message says to shorten it first."""
    if not lines or len(lines) > MOST_DUTIES or any(len(line) > 300 for line in lines):
        return {}
    refused: dict[int, dict] = {}
    for item in gateway().post("/duty-checks", {"duties": lines})["refused_duties"]:
        refused.setdefault(item["index"], item)  # a line naming two refused tasks: its first
    return refused


def _api_refusals(error: ApiError, lines: list[str]) -> dict[int, dict]:
    """The API's refused_duties (it checked again on submitting), shown as the page's own check is."""
    return {item["index"]: {**item, "text": lines[item["index"]] if item["index"] < len(lines) else item["text"]}
            for item in error.extensions.get("refused_duties", []) if isinstance(item.get("index"), int)}


def _duty_message(refused: dict) -> str:
    return gettext("Some duties are not part of a peer role, by the chart: see why below the duties, and the "
                   "consistent alternative of each.")


# -- subcontracts ------------------------------------------------------------------------------
def _subcontracts() -> list[dict]:
    return read_every(gateway(), "/subcontracts", organization_id=ours())


def _subcontract(agreement_id) -> dict:
    found = gateway().get(f"/subcontracts/{agreement_id}")
    return found


@blueprint.get("/subcontracts")
@requires(ADMIN)
def subcontracts():
    every = _subcontracts()
    every.sort(key=lambda s: (s["status"] != "open", s["end"]))
    return render_template("organization/subcontracts.html", subcontracts=every, organizations=_organizations(),
                           name_of=_name_of)


def _subcontract_messages() -> dict[str, str]:
    return {
        "other": gettext("Choose the other organization from the list."),
        "part": gettext("Choose whether your organization buys or provides the peer support."),
        "provider_id": gettext("The organization providing peer support must be a peer-run organization."),
        "buyer_id": gettext("Choose the other organization from the list."),
        "hours_per_week": gettext("Enter the hours per week, more than 0 and at most 168."),
        "amount": gettext("Enter the amount in dollars, like 1500.00."),
        "start": gettext("Enter the day the subcontract starts."),
        "end": gettext("Enter the day it ends: not before it starts."),
        "duties": gettext("Write each duty on a line of its own, at most 300 characters and 50 duties."),
        "provider_duties": gettext("Choose from the list."),
    }


def _subcontract_from(form, organization: dict) -> dict:
    part = "buyer" if organization["kind"] == "agency" else text(form, "part")
    return {"other": text(form, "other"), "part": part, "hours_per_week": text(form, "hours_per_week"),
            "amount": text(form, "amount"), "start": text(form, "start"), "end": text(form, "end"),
            "provider_duties": [d for d in listed(form, "provider_duties") if d in PROVIDER_DUTIES],
            "duties": _duty_lines(form)}


def _subcontract_unusable(body: dict, others: dict) -> dict[str, str]:
    messages = _subcontract_messages()
    errors = {}
    if body["other"] not in others:
        errors["other"] = messages["other"]
    if body["part"] not in ("buyer", "provider"):
        errors["part"] = messages["part"]
    elif body["other"] in others and body["part"] == "buyer" and others[body["other"]]["kind"] != "peer_run_organization":
        errors["other"] = messages["provider_id"]
    hours = _number(body["hours_per_week"])
    if not (isinstance(hours, float) and 0 < hours <= 168):
        errors["hours_per_week"] = messages["hours_per_week"]
    amount = _number(body["amount"])
    if not (isinstance(amount, float) and amount >= 0):
        errors["amount"] = messages["amount"]
    for name in ("start", "end"):
        if not _is_date(body[name]):
            errors[name] = messages[name]
    if "start" not in errors and "end" not in errors and body["end"] < body["start"]:
        errors["end"] = messages["end"]
    if len(body["duties"]) > MOST_DUTIES or any(len(line) > 300 for line in body["duties"]):
        errors["duties"] = messages["duties"]
    return errors


def _is_date(value: str | None) -> bool:
    try:
        date.fromisoformat(value or "")
    except ValueError:
        return False
    return True


def _other_organizations(organization: dict) -> dict[str, dict]:
    """Who we could subcontract with: open organizations but ours; an agency buys only from peer-run ones."""
    every = {i: o for i, o in _organizations().items() if i != ours() and not o["closed"]}
    if organization["kind"] == "agency":
        every = {i: o for i, o in every.items() if o["kind"] == "peer_run_organization"}
    return every


@blueprint.route("/subcontracts/new", methods=["GET", "POST"])
@requires(ADMIN)
def new_subcontract():
    organization = _organization()
    others = _other_organizations(organization)
    if request.method == "GET":
        start = today().isoformat()
        body = {"other": None, "part": "buyer" if organization["kind"] == "agency" else "provider",
                "hours_per_week": "", "amount": "", "start": start,
                "end": (today() + timedelta(days=365)).isoformat(), "provider_duties": [], "duties": []}
        return _new_page(organization, others, body, {}, {}, checked=False)
    body = _subcontract_from(request.form, organization)
    refused = _refusals(body["duties"])
    if request.form.get("action") == "check":
        # Nothing is sent: the duty list is checked against the chart, the rest waits for "Make".
        return _new_page(organization, others, body, {}, refused, checked=True)
    errors = _subcontract_unusable(body, others)
    if refused:
        errors["duties"] = _duty_message(refused)
    if not errors:
        buyer, provider = (ours(), body["other"]) if body["part"] == "buyer" else (body["other"], ours())
        try:
            made = gateway().post("/subcontracts", {
                "buyer_id": buyer, "provider_id": provider, "hours_per_week": float(body["hours_per_week"]),
                "amount": f"{float(body['amount']):.2f}", "start": body["start"], "end": body["end"],
                "provider_duties": body["provider_duties"], "duties": body["duties"]})
            flash(gettext("The subcontract is made."), "success")
            return redirect(url_for("organization.subcontract", agreement_id=made["agreement_id"]))
        except ApiError as error:
            refused = _api_refusals(error, body["duties"]) if error.status == 422 else {}
            errors = _refused(error, _subcontract_messages())
            if refused:
                errors["duties"] = _duty_message(refused)
            for api_field in ("buyer_id", "provider_id"):
                if api_field in errors:
                    errors["other"] = errors.pop(api_field)
    return _new_page(organization, others, body, errors, refused, checked=False, status=422)


def _new_page(organization, others, body, errors, refused, checked, status=200):
    choices = sorted(((i, o["name"]) for i, o in others.items()), key=lambda choice: choice[1])
    return render_template("organization/subcontract_form.html", organization=organization, choices=choices,
                           body=body, errors=errors, refused=refused, checked=checked, chart=_chart(),
                           action=url_for("organization.new_subcontract"), amending=None), status


def _parties(agreement: dict, organizations: dict) -> dict:
    buyer = agreement["buyer_id"] == ours()
    other = agreement["provider_id"] if buyer else agreement["buyer_id"]
    return {"we_buy": buyer, "other": _name_of(organizations, other)}


@blueprint.get("/subcontracts/<uuid:agreement_id>")
@requires(ADMIN)
def subcontract(agreement_id):
    return _subcontract_page(agreement_id, {}, {})


def _subcontract_page(agreement_id, errors: dict, body: dict, status: int = 200):
    agreement = _subcontract(agreement_id)
    parties = _parties(agreement, _organizations())
    placed = [p["peer_worker_id"] for p in agreement["placements"]]
    names = _peer_names(placed)
    choices = [] if parties["we_buy"] or agreement["status"] != "open" else \
        [choice for choice in _our_peer_workers() if choice[0] not in placed]
    free = agreement["hours_per_week"] - agreement["hours_placed"]
    return render_template("organization/subcontract.html", agreement=agreement, parties=parties, names=names,
                           choices=choices, free=free, errors=errors, body=body), status


def _act(agreement: dict, suffix: str, body: dict):
    return gateway().post(f"/subcontracts/{agreement['agreement_id']}{suffix}",
                          {**body, "expected_version": agreement["version"]})


def _version_of(form, agreement: dict) -> dict:
    """The version the admin read: a change made meanwhile is a conflict, shown as one."""
    version = text(form, "version") or ""
    return {**agreement, "version": int(version) if version.isdecimal() else agreement["version"]}


@blueprint.route("/subcontracts/<uuid:agreement_id>/amend", methods=["GET", "POST"])
@requires(ADMIN)
def amend_subcontract(agreement_id):
    agreement = _subcontract(agreement_id)
    organization = _organization()
    if request.method == "GET":
        body = {"hours_per_week": _whole_or_float(agreement["hours_per_week"]), "amount": agreement["amount"],
                "duties": agreement["duties"], "version": agreement["version"]}
        return _amend_page(organization, agreement, body, {}, {}, checked=False)
    body = {"hours_per_week": text(request.form, "hours_per_week"), "amount": text(request.form, "amount"),
            "duties": _duty_lines(request.form), "version": text(request.form, "version")}
    refused = _refusals(body["duties"])
    if request.form.get("action") == "check":
        return _amend_page(organization, agreement, body, {}, refused, checked=True)
    messages = _subcontract_messages()
    errors = {}
    hours, amount = _number(body["hours_per_week"]), _number(body["amount"])
    if not (isinstance(hours, float) and 0 < hours <= 168):
        errors["hours_per_week"] = messages["hours_per_week"]
    if not (isinstance(amount, float) and amount >= 0):
        errors["amount"] = messages["amount"]
    if len(body["duties"]) > MOST_DUTIES or any(len(line) > 300 for line in body["duties"]):
        errors["duties"] = messages["duties"]
    if refused:
        errors["duties"] = _duty_message(refused)
    if not errors:
        try:
            _act(_version_of(request.form, agreement), "/amendments",
                 {"hours_per_week": hours, "amount": f"{amount:.2f}", "duties": body["duties"]})
            flash(gettext("The subcontract is amended."), "success")
            return redirect(url_for("organization.subcontract", agreement_id=agreement_id))
        except ApiError as error:
            refused = _api_refusals(error, body["duties"]) if error.status == 422 else {}
            errors = _refused(error, {**messages, "hours_per_week": gettext(
                "Enter the hours per week: more than 0, at most 168, and not fewer than are placed.")})
            if refused:
                errors["duties"] = _duty_message(refused)
    return _amend_page(organization, agreement, body, errors, refused, checked=False, status=422)


def _amend_page(organization, agreement, body, errors, refused, checked, status=200):
    return render_template("organization/subcontract_form.html", organization=organization, choices=[],
                           body=body, errors=errors, refused=refused, checked=checked, chart=_chart(),
                           action=url_for("organization.amend_subcontract", agreement_id=agreement["agreement_id"]),
                           amending=agreement, parties=_parties(agreement, _organizations())), status


@blueprint.route("/subcontracts/<uuid:agreement_id>/renew", methods=["GET", "POST"])
@requires(ADMIN)
def renew_subcontract(agreement_id):
    agreement = _subcontract(agreement_id)
    body = {"end": "", "amount": "", "version": agreement["version"]}
    errors = {}
    if request.method == "POST":
        body = {"end": text(request.form, "end"), "amount": text(request.form, "amount"),
                "version": text(request.form, "version")}
        messages = {"end": gettext("Enter a new end, after the current end."),
                    "amount": gettext("Enter the amount in dollars, like 1500.00, or leave it empty.")}
        if not _is_date(body["end"]) or body["end"] <= agreement["end"]:
            errors["end"] = messages["end"]
        amount = _number(body["amount"])
        if body["amount"] and not (isinstance(amount, float) and amount >= 0):
            errors["amount"] = messages["amount"]
        if not errors:
            try:
                _act(_version_of(request.form, agreement), "/renewals",
                     {"end": body["end"], **({"amount": f"{amount:.2f}"} if body["amount"] else {})})
                flash(gettext("The subcontract is renewed."), "success")
                return redirect(url_for("organization.subcontract", agreement_id=agreement_id))
            except ApiError as error:
                errors = _refused(error, messages)
    return render_template("organization/renew.html", agreement=agreement, body=body, errors=errors,
                           parties=_parties(agreement, _organizations())), 422 if errors else 200


@blueprint.route("/subcontracts/<uuid:agreement_id>/end", methods=["GET", "POST"])
@requires(ADMIN)
def end_subcontract(agreement_id):
    agreement = _subcontract(agreement_id)
    return _end_agreement(agreement, "/subcontracts", "organization/end_agreement.html",
                          url_for("organization.subcontract", agreement_id=agreement_id),
                          gettext("The subcontract has ended, and its placements with it."),
                          _parties(agreement, _organizations())["other"], subcontract=True)


def _end_agreement(agreement, path, template, done_url, done, other, subcontract):
    body = {"ended_on": today().isoformat(), "version": agreement["version"]}
    errors = {}
    if request.method == "POST":
        body = {"ended_on": text(request.form, "ended_on"), "version": text(request.form, "version")}
        message = gettext("Enter the day it ends: not before it started.")
        if not _is_date(body["ended_on"]) or body["ended_on"] < agreement["start"]:
            errors["ended_on"] = message
        if not errors:
            try:
                gateway().post(f"{path}/{agreement['agreement_id']}/endings",
                               {"ended_on": body["ended_on"],
                                "expected_version": _version_of(request.form, agreement)["version"]})
                flash(done, "success")
                return redirect(done_url)
            except ApiError as error:
                errors = _refused(error, {"ended_on": message})
    return render_template(template, agreement=agreement, body=body, errors=errors, other=other,
                           subcontract=subcontract), 422 if errors else 200


@blueprint.post("/subcontracts/<uuid:agreement_id>/placements")
@requires(ADMIN)
def place(agreement_id):
    agreement = _subcontract(agreement_id)
    body = {"peer_worker_id": text(request.form, "peer_worker_id"),
            "hours_per_week": text(request.form, "hours_per_week")}
    messages = {"peer_worker_id": gettext("Choose one of your peer workers from the list."),
                "hours_per_week": gettext("Enter the hours per week, more than 0 and no more than the hours "
                                          "still free.")}
    errors = {}
    if body["peer_worker_id"] not in dict(_our_peer_workers()):
        errors["peer_worker_id"] = messages["peer_worker_id"]
    hours = _number(body["hours_per_week"])
    if not (isinstance(hours, float) and 0 < hours <= agreement["hours_per_week"] - agreement["hours_placed"]):
        errors["hours_per_week"] = messages["hours_per_week"]
    if not errors:
        try:
            _act(_version_of(request.form, agreement), "/placements",
                 {"peer_worker_id": body["peer_worker_id"], "hours_per_week": hours})
            flash(gettext("The peer worker is placed under this subcontract."), "success")
            return redirect(url_for("organization.subcontract", agreement_id=agreement_id))
        except ApiError as error:
            errors = _refused(error, messages)
    return _subcontract_page(agreement_id, errors, body, 422)


@blueprint.post("/subcontracts/<uuid:agreement_id>/placements/<uuid:peer_worker_id>/end")
@requires(ADMIN)
def end_placement(agreement_id, peer_worker_id):
    agreement = _subcontract(agreement_id)
    _act(_version_of(request.form, agreement), f"/placements/{peer_worker_id}/endings", {})
    flash(gettext("The placement has ended."), "success")
    return redirect(url_for("organization.subcontract", agreement_id=agreement_id))


# -- hours delivered per week, against agreed --------------------------------------------------
CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 560, 14, 10, 110


def hours_chart(report: list[dict]) -> dict:
    """The bars of a server-drawn SVG (no script, no inline style): each week's delivered and agreed
    hours side by side, scaled to the largest figure."""
    largest = max([row["hours_delivered"] for row in report] + [row["hours_agreed"] for row in report] + [1])
    scale = (CHART_WIDTH - LABEL_WIDTH - 60) / largest
    rows = []
    for number, row in enumerate(report):
        top = number * (2 * BAR_HEIGHT + BAR_GAP)
        rows.append({**row, "top": top, "delivered_width": round(row["hours_delivered"] * scale, 1),
                     "agreed_width": round(row["hours_agreed"] * scale, 1), "short": row["difference"] < 0})
    return {"rows": rows, "width": CHART_WIDTH, "label_width": LABEL_WIDTH, "bar": BAR_HEIGHT,
            "height": max(1, len(report)) * (2 * BAR_HEIGHT + BAR_GAP)}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@blueprint.route("/subcontracts/<uuid:agreement_id>/hours", methods=["GET", "POST"])
@requires(ADMIN)
def hours(agreement_id):
    agreement = _subcontract(agreement_id)
    body = {"week_start": _monday(today()).isoformat(), "hours": ""}
    errors = {}
    if request.method == "POST":
        body = {"week_start": text(request.form, "week_start"), "hours": text(request.form, "hours")}
        messages = {"week_start": gettext("Enter a day of the week, within the subcontract's dates."),
                    "hours": gettext("Enter the hours delivered that week, from 0 to 168.")}
        if not _is_date(body["week_start"]):
            errors["week_start"] = messages["week_start"]
        delivered = _number(body["hours"])
        if not (isinstance(delivered, float) and 0 <= delivered <= 168):
            errors["hours"] = messages["hours"]
        if not errors:
            try:
                _act(_version_of(request.form, agreement), "/hours-reports",
                     {"week_start": body["week_start"], "hours": delivered})
                flash(gettext("The hours are reported. A second figure for the same week replaces the first."),
                      "success")
                return redirect(url_for("organization.hours", agreement_id=agreement_id))
            except ApiError as error:
                errors = _refused(error, messages)
    report = agreement["hours_report"]
    return render_template("organization/hours.html", agreement=agreement, report=report,
                           chart=hours_chart(report), body=body, errors=errors,
                           parties=_parties(agreement, _organizations())), 422 if errors else 200


# -- supervision agreements --------------------------------------------------------------------
@blueprint.get("/supervision-agreements")
@requires(ADMIN)
def supervision_agreements():
    every = read_every(gateway(), "/supervision-agreements", organization_id=ours())
    order = {"proposed": 0, "active": 1, "declined": 2, "ended": 3}
    every.sort(key=lambda a: (order.get(a["status"], 4), a["start"]))
    ours_supervised = [w for a in every if a["supervised_organization_id"] == ours() for w in a["peer_worker_ids"]]
    return render_template("organization/supervision_agreements.html", agreements=every,
                           organizations=_organizations(), name_of=_name_of, names=_peer_names(ours_supervised))


def _proposal_messages() -> dict[str, str]:
    return {
        "supervising_organization_id": gettext("Choose the organization that would supervise, from the list."),
        "peer_worker_ids": gettext("Choose at least one of your peer workers."),
        "hours_per_month": gettext("Enter the hours per month, more than 0 and at most 168."),
        "start": gettext("Enter the day the agreement starts."),
        "end": gettext("Enter the day it ends: not before it starts."),
        "cost": gettext("Enter the cost in dollars, like 400.00."),
    }


@blueprint.route("/supervision-agreements/new", methods=["GET", "POST"])
@requires(ADMIN)
def propose_supervision():
    others = {i: o for i, o in _organizations().items() if i != ours() and not o["closed"]}
    workers = _our_peer_workers()
    if request.method == "GET":
        body = {"supervising_organization_id": text(request.args, "supervising_organization_id"),
                "peer_worker_ids": listed(request.args, "peer_worker_ids"), "hours_per_month": "",
                "start": today().isoformat(), "end": (today() + timedelta(days=365)).isoformat(), "cost": ""}
        return _proposal_page(others, workers, body, {})
    body = {"supervising_organization_id": text(request.form, "supervising_organization_id"),
            "peer_worker_ids": listed(request.form, "peer_worker_ids"),
            **{name: text(request.form, name) for name in ("hours_per_month", "start", "end", "cost")}}
    messages = _proposal_messages()
    errors = {}
    if body["supervising_organization_id"] not in others:
        errors["supervising_organization_id"] = messages["supervising_organization_id"]
    if not body["peer_worker_ids"] or not set(body["peer_worker_ids"]) <= dict(workers).keys():
        errors["peer_worker_ids"] = messages["peer_worker_ids"]
    hours_per_month, cost = _number(body["hours_per_month"]), _number(body["cost"])
    if not (isinstance(hours_per_month, float) and 0 < hours_per_month <= 168):
        errors["hours_per_month"] = messages["hours_per_month"]
    if not (isinstance(cost, float) and cost >= 0):
        errors["cost"] = messages["cost"]
    for name in ("start", "end"):
        if not _is_date(body[name]):
            errors[name] = messages[name]
    if "start" not in errors and "end" not in errors and body["end"] < body["start"]:
        errors["end"] = messages["end"]
    if not errors:
        try:
            gateway().post("/supervision-agreements", {
                "supervised_organization_id": ours(), **body, "hours_per_month": hours_per_month,
                "cost": f"{cost:.2f}"})
            flash(gettext("Proposed. Both organizations accept it before it starts: accept it for yours below."),
                  "success")
            return redirect(url_for("organization.supervision_agreements"))
        except ApiError as error:
            errors = _refused(error, messages)
    return _proposal_page(others, workers, body, errors, 422)


def _proposal_page(others, workers, body, errors, status=200):
    choices = sorted(((i, o["name"]) for i, o in others.items()), key=lambda choice: choice[1])
    return render_template("organization/propose_supervision.html", choices=choices, workers=workers, body=body,
                           errors=errors), status


@blueprint.post("/supervision-agreements/<uuid:agreement_id>/acceptance")
@requires(ADMIN)
def accept_supervision(agreement_id):
    try:
        gateway().post(f"/supervision-agreements/{agreement_id}/acceptances",
                       {"organization_id": ours(), **_expected(request.form)})
    except ApiError as error:
        if error.status not in (404, 409, 422):
            raise
        flash(gettext("This agreement was already answered, or it changed meanwhile. Look at it again."),
              "warning")
        return redirect(url_for("organization.supervision_agreements"))
    flash(gettext("You accepted for your organization. It starts once both organizations have accepted."),
          "success")
    return redirect(url_for("organization.supervision_agreements"))


def _expected(form) -> dict:
    version = text(form, "version") or ""
    return {"expected_version": int(version)} if version.isdecimal() else {}


@blueprint.route("/supervision-agreements/<uuid:agreement_id>/end", methods=["GET", "POST"])
@requires(ADMIN)
def end_supervision_agreement(agreement_id):
    agreement = gateway().get(f"/supervision-agreements/{agreement_id}")
    organizations = _organizations()
    other = agreement["supervising_organization_id"] if agreement["supervised_organization_id"] == ours() \
        else agreement["supervised_organization_id"]
    return _end_agreement(agreement, "/supervision-agreements", "organization/end_agreement.html",
                          url_for("organization.supervision_agreements"),
                          gettext("The supervision agreement has ended."), _name_of(organizations, other),
                          subcontract=False)


# -- find a supervisor for our staff -----------------------------------------------------------
@blueprint.get("/find-supervisor")
@requires(ADMIN)
def find_supervisor():
    # A look-up that changes nothing: a GET form, so it works as a link and needs no token.
    workers = _our_peer_workers()
    worker = text(request.args, "peer_worker_id")
    kind = request.args.get("kind")
    asked = {"peer_worker_id": worker, "kind": kind if kind in words()["kind"] else "professional_development"}
    errors, found, shown = {}, None, None
    if worker is not None:
        if worker not in dict(workers):
            errors["peer_worker_id"] = gettext("Choose one of your peer workers from the list.")
        else:
            found = gateway().post(f"/peer-workers/{worker}/supervisor-searches", {"kind": asked["kind"]})
            shown = _supervisors_shown(found["options"])
    return render_template("organization/find_supervisor.html", workers=workers, asked=asked, found=found,
                           shown=shown, errors=errors, names=dict(workers))


def _supervisors_shown(options: list[dict]) -> list[dict]:
    """Each supervisor found: a name where it is ours to read, where they work, why, and whether an
    offer can be made now (a pool candidate needs a supervision agreement first)."""
    organizations = _organizations()
    own = _peer_names(o["supervisor_id"] for o in options if o["route"] == "same_organization")
    shown = []
    for option in options:
        pool = next((fact for fact in option["facts"] if fact["code"] == "pool"), None)
        works_at = [_name_of(organizations, o) for o in option["organization_ids"]]
        shown.append({**option, "name": own.get(option["supervisor_id"]), "works_at": works_at,
                      "facts_said": [_fact_sentence(fact, reason, organizations)
                                     for fact, reason in zip(option["facts"], option["reasons"])],
                      "offerable": option["route"] in ("same_organization", "agreement"),
                      "needs_agreement_with": pool and pool.get("organization_id")})
    return shown


def _fact_sentence(fact: dict, reason: str, organizations: dict) -> dict:
    """(text, lang): a fact this page does not know yet keeps the service's English reason."""
    code, said = fact["code"], None
    if code == "same_organization":
        said = gettext("Works in your organization.")
    elif code == "agreement":
        said = gettext("Can supervise under an active supervision agreement between the two organizations.")
    elif code == "pool":
        said = gettext("From the networking pool: %(organization)s and your organization need a supervision "
                       "agreement, accepted by both, before an offer.",
                       organization=_name_of(organizations, fact.get("organization_id")))
    elif code == "same_region":
        said = gettext("Serves the same region: %(region)s.", region=vocabulary().label("regions", fact["region"]))
    elif code == "speaks":
        said = gettext("Speaks %(language)s.", language=vocabulary().label("languages", fact["language"]))
    elif code == "specialty":
        said = gettext("Specialty: %(specialty)s.", specialty=fact["specialty"])
    elif code == "free_capacity":
        said = gettext("Free places: %(free)s full-time peer workers", free=format_number(fact["free"]))
    return {"text": said, "lang": None} if said else {"text": reason, "lang": "en"}


@blueprint.post("/supervision-offers")
@requires(ADMIN)
def offer_supervisor():
    worker, supervisor, kind = (text(request.form, name) for name in ("peer_worker_id", "supervisor_id", "kind"))
    if worker not in dict(_our_peer_workers()) or kind not in words()["kind"] or not supervisor:
        flash(gettext("Choose a peer worker and a supervisor from the lists."), "warning")
        return redirect(url_for("organization.find_supervisor"))
    try:
        gateway().post("/supervision-offers", {"peer_worker_id": worker, "supervisor_id": supervisor, "kind": kind})
    except ApiError as error:
        if error.status not in (409, 422):
            raise
        flash(gettext("This supervisor cannot be offered now: their time may have been taken. Search again."),
              "warning")
        return redirect(url_for("organization.find_supervisor", peer_worker_id=worker, kind=kind))
    flash(gettext("Offered. The supervisor accepts or declines; you see the answer under what is due."), "success")
    return redirect(url_for("organization.supervision_due"))


# -- what is due, and who is short --------------------------------------------------------------
@blueprint.get("/supervision")
@requires(ADMIN)
def supervision_due():
    short = gateway().get("/supervision-shortfalls", organization_id=ours(), limit=200)
    late = sorted(short["items"], key=lambda item: (not item["overdue"],
                                                    min((o["due_on"] for o in item["overdue"]), default="")))
    workforce = _workforce()
    names = _peer_names([m["peer_worker_id"] for m in workforce] + [item["peer_worker_id"] for item in late])
    short_ids = {item["peer_worker_id"] for item in late}
    upcoming = []
    for member in workforce:
        if member["peer_worker_id"] in short_ids:
            continue
        record = read_or_none(gateway(), f"/peer-workers/{member['peer_worker_id']}/supervision-record")
        due = (record or {}).get("due")
        if due:
            upcoming.append({"peer_worker_id": member["peer_worker_id"], "due": due})
    upcoming.sort(key=lambda item: item["due"]["next_due"] or "")
    return render_template("organization/supervision_due.html", short=short, late=late, upcoming=upcoming,
                           names=names)
