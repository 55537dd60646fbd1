"""A state administrator's pages (role state_auditor): the state's figures as charts, each beside
its table; the ledger's history, filtered and paged, and its export; verifying the ledger while
its progress shows; the signed checkpoints; break-glass access to one person's fields.

Small counts are kept back as audit keeps them: a count from 1 to 10 is never drawn, it is written
"fewer than 11", and a total over such counts is the range they allow. The one figure the page counts
itself (shortfall now by region: the API has no such figure) follows the same rule. Nobody types an id: organizations are chosen by name, a person from a history entry."""
from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request, session,
                   url_for)

from services.web.auth import gateway, requires
from services.web.forms import text
from services.web.gateway import ApiError, read_every
from services.web.i18n import format_date, format_datetime, format_number, gettext, ngettext
from services.web.person import break_glass_reason
from services.web.vocabulary import vocabulary
# The API lists no event types: the ledger holds integration events, whose types are the contracts
# in shared (data, no service code), so the type filter offers those.
import shared.contracts
from shared.contracts import known_contracts

blueprint = Blueprint("state", __name__, url_prefix="/state")

AUDITOR = "state_auditor"
SUPPRESSED = "1-10"  # what audit writes for a count from 1 to 10 (GET /audit-figures: suppressed_as)
SOONER, SOON = 30, 60  # days ahead audit counts a credential as expiring (within_30, within_60)
HISTORY_PAGE = 50
BREAK_GLASS_REASONS = ("legal_request", "complaint_investigation", "safety_investigation", "data_subject_request")
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")  # audit's own rule for a reference
BREAK_GLASS_HOURS = (1, 2, 4, 8, 24, 48, 72)  # what the auditor chooses from; audit takes 1 to 72
SERVICES = ("intake", "directory", "matching", "supervision", "audit")
# Entries whose subject is a person: the auditor picks the person for break-glass from these.
PERSON_TYPES = re.compile(r"^(Person|SupportRequest)")
CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, GROUP_GAP = 420, 150, 16, 10


def today() -> date:
    return datetime.now(ZoneInfo(current_app.config["PEERNET"].timezone)).date()


# -- small counts, as audit keeps them back ----------------------------------------------------
def suppressed(count) -> bool:
    return isinstance(count, int) and 1 <= count <= 10


def cell(count: int):
    return SUPPRESSED if suppressed(count) else count


def total(counts) -> int | str:
    """audit's rule: exact over no kept-back count, else the range the kept-back counts allow."""
    counts = list(counts)
    hidden = sum(1 for count in counts if suppressed(count))
    shown = sum(count for count in counts if not suppressed(count))
    return shown if not hidden else f"{shown + hidden}-{shown + 10 * hidden}"


def table(counts: dict[tuple[str, str], int], rows=None, columns=None) -> dict:
    """(row, column) -> count as audit's tables are: cells kept back, totals as ranges."""
    rows = rows if rows is not None else sorted({row for row, _ in counts})
    columns = columns if columns is not None else sorted({column for _, column in counts})
    get = lambda row, column: counts.get((row, column), 0)  # noqa: E731
    return {"columns": list(columns),
            "rows": [{"row": row, "cells": {c: cell(get(row, c)) for c in columns},
                      "total": total(get(row, c) for c in columns)} for row in rows],
            "column_totals": {c: total(get(row, c) for row in rows) for c in columns},
            "total": total(counts.get((row, c), 0) for row in rows for c in columns)}


def shown(value) -> str:
    """A figure in words: a number, "fewer than 11", or a total's range."""
    if value is None:
        return "–"
    if isinstance(value, (int, float)):
        return format_number(value)
    if value == SUPPRESSED:
        return gettext("fewer than 11")
    if value == "over 10":
        return gettext("more than 10")
    low, _, high = str(value).partition("-")
    if low.isdecimal() and high.isdecimal():
        return gettext("%(low)s to %(high)s", low=format_number(int(low)), high=format_number(int(high)))
    return str(value)


def chart(groups: list[dict]) -> dict:
    """A server-drawn SVG (no script, no inline style): groups of labelled bars scaled to the largest
    figure. A kept-back count gets no bar at all, only its words: a bar would guess its size."""
    numbers = [bar["value"] for group in groups for bar in group["bars"]
               if isinstance(bar["value"], (int, float))]
    scale = (CHART_WIDTH - LABEL_WIDTH - 80) / max(numbers + [1])
    top, drawn = 0, []
    for group in groups:
        bars = []
        label_top, top = top, top + BAR_HEIGHT + 4
        for bar in group["bars"]:
            number = isinstance(bar["value"], (int, float))
            width = round(bar["value"] * scale, 1) if number else 0
            bars.append({**bar, "top": top, "width": width, "drawn": number and width > 0,
                         "text": shown(bar["value"]), "kept_back": bar["value"] == SUPPRESSED})
            top += BAR_HEIGHT + 2
        drawn.append({"label": group["label"], "top": label_top, "bars": bars})
        top += GROUP_GAP
    return {"groups": drawn, "width": CHART_WIDTH, "label_width": LABEL_WIDTH, "bar": BAR_HEIGHT,
            "height": max(top, 1)}


def table_chart(figure: dict, row_label, column_label, kind: str = "delivered") -> dict:
    """A chart of one of audit's tables: a group per row, a bar per column."""
    return chart([{"label": row_label(row["row"]),
                   "bars": [{"label": column_label(c), "value": row["cells"][c], "kind": kind}
                            for c in figure["columns"]]} for row in figure["rows"]])


# -- names --------------------------------------------------------------------------------------
def _organizations() -> dict[str, dict]:
    """Every organization by id: the API keys figures and entries by id, the pages show names."""
    return {o["organization_id"]: o for o in read_every(gateway(), "/organizations", include_closed="true")}


def name_of(organizations: dict, organization_id: str | None) -> str:
    if not organization_id or organization_id == "none":
        return gettext("No organization")
    found = organizations.get(organization_id)
    return found["name"] if found else gettext("An organization not in the directory")


def region_label(region: str) -> str:
    if region == "region not recorded":
        return gettext("Region not recorded")
    return vocabulary().label("regions", region) or region


def month_label(month: str) -> str:
    try:
        return format_date(f"{month}-01", "LLLL y")
    except ValueError:
        return month


@blueprint.context_processor
def state_helpers():
    return {"shown": shown, "region_label": region_label, "month_label": month_label,
            "reason_label": break_glass_reason, "service_label": service_label, "role_label": role_label,
            "problem_text": problem_text}


def problem_text(problem: dict | None) -> str:
    """A break the verification found, in words, with where it is."""
    if not problem:
        return gettext("Could not be checked")
    kind = {"altered_event": gettext("an event was changed"), "missing_event": gettext("an event is missing"),
            "bad_source_digest": gettext("the service's own record does not match"),
            "unreachable": gettext("the service could not be reached"),
            "broken_link": gettext("the chain is broken"), "altered_entry": gettext("an entry was changed"),
            "bad_checkpoint": gettext("a signed checkpoint does not match")}.get(problem.get("kind"),
                                                                                 problem.get("kind") or "")
    where = problem.get("seq") or problem.get("position")
    return gettext("%(kind)s, at %(where)s", kind=kind, where=where) if where else kind


def role_label(role: str | None) -> str:
    return {"person": gettext("A person"), "peer": gettext("A peer worker"), "supervisor": gettext("A supervisor"),
            "agency_admin": gettext("An organization admin"), "state_auditor": gettext("A state auditor"),
            "system": gettext("peernet itself")}.get(role or "system", role or "")


def service_label(service: str) -> str:
    return {"intake": gettext("Intake (people and peer workers' profiles)"),
            "directory": gettext("Directory (organizations and workforce)"),
            "matching": gettext("Matching (offers and connections)"),
            "supervision": gettext("Supervision"), "audit": gettext("Audit")}.get(service, service)


# -- the dashboard ------------------------------------------------------------------------------
def _shortfall_by_region(organizations: dict) -> dict:
    """Peer workers short of supervision now, by the regions their organizations serve (a peer
    worker counts once in each region), kept back as audit keeps its counts."""
    short = read_every(gateway(), "/supervision-shortfalls")
    counts: dict[tuple[str, str], int] = {}
    for item in short:
        regions = {region for o in item["organization_ids"] for region in (organizations.get(o) or {}).get(
            "regions", [])} or {"region not recorded"}
        for region in regions:
            counts[(region, "short")] = counts.get((region, "short"), 0) + 1
    return table(counts, columns=("short",))


@blueprint.get("")
@requires(AUDITOR)
def home():
    figures = gateway().get("/audit-figures")
    organizations = _organizations()
    started, ended = (figures["connections_started_by_month_and_region"],
                      figures["connections_ended_by_month_and_region"])
    waits = figures["days_from_request_to_connection_by_month"]
    short = figures["peer_workers_short_of_supervision_by_organization_and_month"]
    hours = figures["subcontract_hours_by_month_and_provider"]
    credentials = figures["peer_workers_with_credentials_expiring_by_organization"]
    short_now = _shortfall_by_region(organizations)
    # Short: they label the chart's bars too, in a column of their own width.
    column_words = {"expired": gettext("Expired"), "within_30": gettext("Within 30 days"),
                    "within_60": gettext("In 31 to 60 days"), "short": gettext("Short of supervision")}
    name = lambda o: name_of(organizations, o)  # noqa: E731
    charts = {
        "started": table_chart(started, month_label, region_label),
        "ended": table_chart(ended, month_label, region_label, "agreed"),
        "waits": chart([{"label": month_label(row["row"]), "bars": [
            {"label": gettext("Median"), "value": row["median_days"] if row["median_days"] is not None
             else row["waits"], "kind": "delivered"},
            {"label": gettext("9 in 10 within"), "value": row["p90_days"] if row["p90_days"] is not None
             else row["waits"], "kind": "agreed"}]} for row in waits["rows"]]),
        "short": table_chart(short, name, month_label, "short"),
        "short_now": table_chart(short_now, region_label, lambda c: column_words[c], "short"),
        "credentials": table_chart(credentials, name, lambda c: column_words[c]),
        "hours": chart([{"label": f"{month_label(row['month'])}: {name(row['provider_id'])}", "bars": [
            {"label": gettext("Delivered"), "value": row["hours_delivered"],
             "kind": "short" if row["hours_delivered"] < row["hours_agreed"] else "delivered"},
            {"label": gettext("Agreed"), "value": row["hours_agreed"], "kind": "agreed"}]} for row in hours]),
    }
    return render_template("state/home.html", figures=figures, charts=charts, started=started, ended=ended,
                           waits=waits, short=short, short_now=short_now, credentials=credentials, hours=hours,
                           name=name, column_words=column_words, soon=SOON, sooner=SOONER)


# -- the history --------------------------------------------------------------------------------
def _event_types() -> list[tuple[str, list[str]]]:
    for module in pkgutil.iter_modules(shared.contracts.__path__):  # each registers its contracts
        if module.name != "commands":
            importlib.import_module(f"shared.contracts.{module.name}")
    by_source: dict[str, set] = {}
    for source, type_, _ in known_contracts():
        by_source.setdefault(source, set()).add(type_)
    return [(source, sorted(by_source[source])) for source in SERVICES if source in by_source]


def _is_date(value: str | None) -> bool:
    try:
        return bool(value) and bool(date.fromisoformat(value))
    except ValueError:
        return False


def _filters(args) -> tuple[dict, dict, dict]:
    """(what the form shows, what the API takes, errors). Dates are whole days where the state is:
    from the start of the first to the end of the last."""
    chosen = {name: text(args, name) for name in ("source", "type", "organization_id", "since", "until",
                                                    "subject_id")}
    zone, query, errors = ZoneInfo(current_app.config["PEERNET"].timezone), {}, {}
    for name in ("source", "type", "organization_id", "subject_id"):
        if chosen[name]:
            query[name] = chosen[name]
    for name, shift in (("since", 0), ("until", 1)):
        if chosen[name]:
            if not _is_date(chosen[name]):
                errors[name] = gettext("Enter a date.")
                continue
            moment = datetime.combine(date.fromisoformat(chosen[name]) + timedelta(days=shift), time(), zone)
            query[name] = moment.isoformat()
    if query.get("since") and query.get("until") and query["since"] >= query["until"]:
        errors["until"] = gettext("Enter a last day on or after the first day.")
    return chosen, query, errors


@blueprint.get("/history")
@requires(AUDITOR)
def history():
    chosen, query, errors = _filters(request.args)
    answer, status = {"items": [], "next_cursor": None}, 200
    if not errors:
        try:
            answer = gateway().get("/audit-entries", limit=HISTORY_PAGE, cursor=text(request.args, "cursor"), **query)
        except ApiError as error:
            if error.status != 422:
                raise
            errors, status = {"form": gettext("These filters could not be used.")}, 422
    else:
        status = 422
    organizations = _organizations()
    choices = sorted(((o_id, o["name"]) for o_id, o in organizations.items()), key=lambda c: c[1])
    kept = {name: value for name, value in chosen.items() if value}
    return render_template("state/history.html", entries=answer["items"], next_cursor=answer.get("next_cursor"),
                           chosen=chosen, kept=kept, errors=errors, organizations=organizations,
                           organization_choices=choices, event_types=_event_types(), services=SERVICES,
                           every_subject={k: v for k, v in kept.items() if k != "subject_id"},
                           first_page=not request.args.get("cursor"), name=lambda o: name_of(organizations, o),
                           is_person=lambda entry: entry["source"] == "intake" and bool(
                               PERSON_TYPES.match(entry["type"])) and bool(entry.get("subject_id"))), status


@blueprint.get("/history/export")
@requires(AUDITOR)
def export():
    """The gateway's export, streamed through: neither this app nor the browser waits for the whole."""
    format_ = request.args.get("format")
    if format_ not in ("csv", "jsonl"):
        return redirect(url_for("state.history", **request.args))
    _, query, errors = _filters(request.args)
    if errors:
        return redirect(url_for("state.history", **{k: v for k, v in request.args.items() if k != "format"}))
    content_type, chunks = gateway().stream("/audit-exports", format=format_, **query)
    name = f"peernet-audit-{today().isoformat()}.{format_}"
    return Response(chunks, content_type=content_type, direct_passthrough=True,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# -- verifying the ledger -----------------------------------------------------------------------
@blueprint.get("/verifications")
@requires(AUDITOR)
def verifications():
    return render_template("state/verify.html", last=session.get("verification"))


@blueprint.post("/verifications")
@requires(AUDITOR)
def verify():
    answer = gateway().post("/audit-verifications")
    if "verification_id" not in answer:
        # A gateway still answering the whole check at once: show its result.
        return render_template("state/verification.html", job={"state": "done", "result": answer,
                                                                "sources": [], "entries_total": 0,
                                                                "entries_checked": 0}, partial=False)
    session["verification"] = answer["verification_id"]
    return redirect(url_for("state.verification", verification_id=answer["verification_id"]), 303)


def progress(job: dict) -> dict:
    """Per cent of the whole: the chain's entries and every source's events together."""
    done = job["entries_checked"] + sum(s["checked"] for s in job.get("sources", []))
    whole = job["entries_total"] + sum(s["total"] for s in job.get("sources", []))
    return {"done": done, "whole": whole, "percent": 100 if job["state"] == "done" or not whole
            else min(99, int(100 * done / whole))}


@blueprint.get("/verifications/<uuid:verification_id>")
@requires(AUDITOR)
def verification(verification_id):
    job = gateway().get(f"/audit-verifications/{verification_id}")
    partial = request.headers.get("HX-Request") == "true"
    return render_template("state/verification_status.html" if partial else "state/verification.html",
                           job=job, progress=progress(job), partial=partial)


# -- the signed checkpoints ---------------------------------------------------------------------
@blueprint.get("/checkpoints")
@requires(AUDITOR)
def checkpoints():
    answer = gateway().get("/audit-checkpoints", limit=HISTORY_PAGE, cursor=text(request.args, "cursor"))
    return render_template("state/checkpoints.html", answer=answer, first_page=not request.args.get("cursor"))


# -- break-glass --------------------------------------------------------------------------------
def _person(args) -> str | None:
    try:
        return str(uuid.UUID(args.get("person") or ""))
    except ValueError:
        return None


@blueprint.route("/break-glass", methods=["GET", "POST"])
@requires(AUDITOR)
def break_glass():
    person = _person(request.values)
    body = {"reason": text(request.form, "reason"), "reference": text(request.form, "reference"),
            "hours": text(request.form, "hours")}
    errors = {}
    if person is None:
        return render_template("state/break_glass_choose.html")
    if request.method == "POST":
        if body["reason"] not in BREAK_GLASS_REASONS:
            errors["reason"] = gettext("Choose why you need this person's details.")
        if not body["reference"] or not REFERENCE.match(body["reference"]):
            errors["reference"] = gettext("Enter the request or investigation number: letters, digits and / _ . - "
                                          "only, up to 64.")
        if body["hours"] not in [str(hours) for hours in BREAK_GLASS_HOURS]:
            errors["hours"] = gettext("Choose how long the access stays open.")
        if not errors:
            try:
                opened = gateway().post("/break-glass-accesses", {"person_id": person, **body,
                                                                  "hours": int(body["hours"])})
                flash(gettext("Access is open until %(until)s. The person sees it on their own page.",
                              until=_when(opened["expires_at"])), "success")
                return redirect(url_for("state.personal_fields", person_id=person), 303)
            except ApiError as error:
                if error.status != 422:
                    raise
                errors = {"form": gettext("The access could not be opened with these details.")}
    return render_template("state/break_glass.html", person=person, body=body, errors=errors,
                           reasons=[(r, break_glass_reason(r)) for r in BREAK_GLASS_REASONS],
                           durations=[(str(hours), ngettext("%(num)d hour", "%(num)d hours", hours))
                                      for hours in BREAK_GLASS_HOURS],
                           entry=request.values.get("entry")), 422 if errors else 200


def _when(moment: str) -> str:
    return format_datetime(moment)


@blueprint.get("/people/<uuid:person_id>")
@requires(AUDITOR)
def personal_fields(person_id):
    try:
        shown_fields = gateway().get(f"/people/{person_id}/personal-fields")
    except ApiError as error:
        if error.status != 403:
            raise
        return render_template("state/personal_fields.html", person=str(person_id), fields=None), 403
    return render_template("state/personal_fields.html", person=str(person_id), fields=shown_fields["fields"])
