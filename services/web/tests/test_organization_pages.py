"""An organization admin's pages, with the gateway faked (conftest's FakeGateway): what each page
shows, what each form sends, that a duty the peer-role chart refuses is shown with the chart's
reason and alternative before anything is sent, and that every page is all Spanish."""
import html
import re
import uuid
from datetime import date, timedelta

import pytest

from services.web.gateway import ApiError
from services.web.tests.conftest import sign_in
from shared.peer_role_chart import chart_document, check_duties, refusal_document

ME, OURS, PROVIDER, OTHER_AGENCY, SUPERVISING = (str(uuid.uuid4()) for _ in range(5))
ROBIN, SAM, SKY = (str(uuid.uuid4()) for _ in range(3))
AGREEMENT, PROPOSED, ACTIVE = (str(uuid.uuid4()) for _ in range(3))
TODAY = date.today()


def day(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def organization(organization_id, name, kind):
    return {"organization_id": organization_id, "name": name, "kind": kind, "regions": ["Hampden County"],
            "contact": {"phone": "413-555-0100"}, "closed": False, "version": 1}


ORGANIZATIONS = [organization(OURS, "Hampden Recovery Agency (synthetic)", "agency"),
                 organization(PROVIDER, "Hampden Peer Collective (synthetic)", "peer_run_organization"),
                 organization(OTHER_AGENCY, "Another Agency (synthetic)", "agency"),
                 organization(SUPERVISING, "Berkshire Peer Collective (synthetic)", "peer_run_organization")]


def member(worker, certification, certify_by):
    return {"employment_id": str(uuid.uuid4()), "organization_id": OURS, "role_title": "Peer Specialist",
            "hours_per_week": 30, "start": "2026-01-05", "end": None, "certify_by": certify_by, "left_on": None,
            "peer_worker_id": worker, "certification": certification, "credentials": [], "expired": [],
            "blocks_offers": False}


WORKFORCE = [member(ROBIN, "certified", None), member(SAM, "due", day(20))]
RECORDS = {
    ROBIN: {"peer_worker_id": ROBIN, "credentials": [
        {"credential_id": "c1", "kind": "certified_peer_specialist", "state": "MA", "number": "CPS-1",
         "issued": "2025-03-01", "expires": day(45), "expired": False, "current": True}],
        "continuing_education": [{"period_start": "2026-01-01", "period_end": "2026-06-30", "hours": 6.5},
                                 {"period_start": "2026-07-01", "period_end": "2026-11-30", "hours": 4}]},
    SAM: {"peer_worker_id": SAM, "credentials": [], "continuing_education": []},
}
SUBCONTRACT = {"agreement_id": AGREEMENT, "buyer_id": OURS, "provider_id": PROVIDER, "hours_per_week": 20,
               "amount": "1500.00", "start": "2026-01-05", "end": "2027-12-31", "ended_on": None, "status": "open",
               "provider_duties": ["hiring"], "duties": ["Facilitate a WRAP group"],
               "placements": [{"peer_worker_id": SKY, "hours_per_week": 12, "duties": []}], "hours_placed": 12,
               "hours_report": [
                   {"week_start": "2026-11-16", "hours_delivered": 18, "hours_agreed": 20, "difference": -2},
                   {"week_start": "2026-11-23", "hours_delivered": 21, "hours_agreed": 20, "difference": 1}],
               "version": 4}
AGREEMENTS = [
    {"agreement_id": ACTIVE, "supervised_organization_id": OURS, "supervising_organization_id": SUPERVISING,
     "peer_worker_ids": [ROBIN], "supervisor_id": None, "hours_per_month": 4, "start": "2026-01-05",
     "end": "2027-12-31", "cost": "400.00", "status": "active", "accepted_by": [OURS, SUPERVISING], "version": 3},
    {"agreement_id": PROPOSED, "supervised_organization_id": OURS, "supervising_organization_id": PROVIDER,
     "peer_worker_ids": [SAM], "supervisor_id": None, "hours_per_month": 2, "start": "2026-12-01",
     "end": "2027-06-30", "cost": "200.00", "status": "proposed", "accepted_by": [PROVIDER], "version": 2},
]
DUE = {"stage": "provisional", "every_days": 30, "since": "2026-01-05", "last_session": "2026-11-20",
       "next_due": day(15), "first_period_end": "2026-07-06", "first_period_hours_required": 12,
       "first_period_hours_done": 14.0, "hours_total": 20.0, "sessions": 12, "overdue": []}
SHORT = {"as_of": TODAY.isoformat(), "peer_workers": 2, "short": 1, "next_cursor": None, "items": [
    {"peer_worker_id": SAM, "organization_ids": [OURS], "supervisor_ids": [], "needs_supervisor": True,
     "overdue": [{"requirement": "session_cadence", "due_on": "2026-10-01"}], "next_due": "2026-10-01",
     "first_period_hours_done": 2.0}]}
SEARCH = {"peer_worker_id": SAM, "kind": "professional_development", "route": "agreement", "options": [
    {"supervisor_id": ROBIN, "route": "same_organization", "agreement_id": None, "organization_ids": [OURS],
     "pool_region": None, "score": 3, "free_capacity": 2,
     "facts": [{"code": "same_organization"}, {"code": "free_capacity", "free": 2, "capacity": 5}],
     "reasons": ["works in the same organization", "2 of 5 free"]},
    {"supervisor_id": str(uuid.uuid4()), "route": "pool", "agreement_id": None, "organization_ids": [SUPERVISING],
     "pool_region": "Berkshire County", "score": 1, "free_capacity": 1,
     "facts": [{"code": "pool", "organization_id": SUPERVISING, "supervised_organization_ids": [OURS]},
               {"code": "a_fact_not_known_yet"}],
     "reasons": ["from the pool", "Something new, in English"]}]}
PAGES = ["/organization", "/organization/peer-workers", "/organization/subcontracts", "/organization/subcontracts/new",
         f"/organization/subcontracts/{AGREEMENT}", f"/organization/subcontracts/{AGREEMENT}/amend",
         f"/organization/subcontracts/{AGREEMENT}/renew", f"/organization/subcontracts/{AGREEMENT}/end",
         f"/organization/subcontracts/{AGREEMENT}/hours", "/organization/supervision-agreements",
         "/organization/supervision-agreements/new", f"/organization/supervision-agreements/{ACTIVE}/end",
         "/organization/find-supervisor", f"/organization/find-supervisor?peer_worker_id={SAM}&kind=administrative",
         "/organization/supervision"]
A_SUBCONTRACT = {"other": PROVIDER, "hours_per_week": "20", "amount": "1500", "start": "2027-01-01",
                 "end": "2027-12-31", "provider_duties": ["hiring", "training"],
                 "duties": "Facilitate a WRAP group\r\nTriage calls\r\n"}


def page(items):
    return {"items": items, "next_cursor": None}


@pytest.fixture
def admin(client, fake):
    sign_in(client, "agency_admin", ME, organization_id=OURS)
    fake.reads.update({
        "/organizations": page(ORGANIZATIONS), **{f"/organizations/{o['organization_id']}": o for o in ORGANIZATIONS},
        "/employments": page(WORKFORCE), "/peer-role-chart": chart_document(),
        **{f"/workforce-records/{w}": record for w, record in RECORDS.items()},
        f"/peer-workers/{ROBIN}": {"display_name": "Robin 1 (synthetic)"},
        f"/peer-workers/{SAM}": {"display_name": "Sam 2 (synthetic)"},
        f"/peer-workers/{SKY}": ApiError(403, "not yours"),
        "/subcontracts": page([SUBCONTRACT]), f"/subcontracts/{AGREEMENT}": SUBCONTRACT,
        "/supervision-agreements": page(AGREEMENTS), f"/supervision-agreements/{ACTIVE}": AGREEMENTS[0],
        "/supervision-shortfalls": SHORT,
        f"/peer-workers/{ROBIN}/supervision-record": {"peer_worker_id": ROBIN, "due": DUE, "sessions": []},
    })
    fake.acts.update({f"/peer-workers/{SAM}/supervisor-searches": SEARCH,
                      "/subcontracts": {"agreement_id": AGREEMENT}})
    answer_duty_checks(fake)
    return client


def answer_duty_checks(fake):
    """POST /duty-checks answered as the gateway answers it, from the chart (the pages import none of it)."""
    post = fake.post

    def checking(path, body=None):
        if path != "/duty-checks":
            return post(path, body)
        fake.calls.append(("POST", path, body))
        return {"refused_duties": [refusal_document("duties", index, found)
                                   for index, line in enumerate(body["duties"]) for found in check_duties([line])]}
    fake.post = checking


def text(answer) -> str:
    return re.sub(r"\s+", " ", html.unescape(answer.get_data(as_text=True)))


def posts(fake) -> list:
    """What the pages asked to be done: a duty check makes nothing."""
    return [call for call in fake.calls if call[0] == "POST" and call[1] != "/duty-checks"]


def test_home_names_our_organization_and_what_needs_us(admin):
    shown = text(admin.get("/organization"))
    assert "<h1>Hampden Recovery Agency (synthetic)</h1>" in shown
    assert "2 peer workers employed now" in shown and "1 has a deadline to certify" in shown
    assert "1 peer worker is short of supervision" in shown
    assert "1 supervision agreement waits for your acceptance" in shown


def test_the_pages_are_an_admins_only(client, fake):
    sign_in(client, "peer", ME)
    assert client.get("/organization").status_code == 403 and fake.calls == []


def test_peer_workers_show_deadlines_30_and_60_days_ahead_the_nearest_first(admin):
    shown = text(admin.get("/organization/peer-workers"))
    assert shown.index("Sam 2 (synthetic)") < shown.index("Robin 1 (synthetic)")  # 20 days before 45
    sam = shown[shown.index("Sam 2 (synthetic)"):shown.index("Robin 1 (synthetic)")]
    assert "To certify by the deadline" in sam and "Within 30 days" in sam
    robin = shown[shown.index("Robin 1 (synthetic)"):]
    assert "Certified Peer Specialist: expires" in robin and "Within 60 days" in robin
    assert "10.5 hours" in robin and "Latest period ended November 30, 2026" in robin


def test_subcontracts_list_the_other_party_by_name_and_hours_placed_against_agreed(admin):
    shown = text(admin.get("/organization/subcontracts"))
    assert "Hampden Peer Collective (synthetic)" in shown and "12 of 20" in shown and "We buy" in shown
    assert AGREEMENT in shown and PROVIDER not in shown.split("<main")[1].split("href")[0]


def test_an_agency_chooses_only_peer_run_organizations_to_buy_from(admin):
    shown = text(admin.get("/organization/subcontracts/new"))
    assert f'<option value="{PROVIDER}">Hampden Peer Collective (synthetic)</option>' in shown
    assert OTHER_AGENCY not in shown and f'value="{OURS}"' not in shown


def test_checking_the_duties_shows_the_charts_reason_and_alternative_and_sends_nothing(admin, fake):
    answer = admin.post("/organization/subcontracts/new", data={**A_SUBCONTRACT, "action": "check"})
    shown = text(answer)
    assert answer.status_code == 200 and posts(fake) == []
    assert "1 duty is not part of a peer role" in shown
    assert "Line 2: Triage calls" in shown
    triage = next(d for d in chart_document()["duties"] if d["code"] == "triaging_calls")
    assert triage["why"]["en"] in shown and triage["alternative"]["en"] in shown
    assert "busy work" in shown or "agenda" in shown or "power imbalance" in shown
    assert 'name="replace" value="1"' in shown
    assert "Triage calls" in shown.split('id="duties"')[1].split("</textarea>")[0]  # nothing lost
    assert fake.posted("/duty-checks") == [{"duties": ["Facilitate a WRAP group", "Triage calls"]}]


def test_a_duty_written_in_spanish_is_checked_as_well(admin, fake):
    answer = admin.post("/organization/subcontracts/new", data={
        **A_SUBCONTRACT, "duties": "Facilitar un grupo WRAP\r\nAdministrar medicamentos\r\n", "action": "check"})
    shown = text(answer)
    assert answer.status_code == 200 and posts(fake) == []
    assert "Line 2: Administrar medicamentos" in shown
    medications = next(d for d in chart_document()["duties"] if d["code"] == "administering_medications")
    assert medications["why"]["en"] in shown and medications["alternative"]["en"] in shown


def test_the_pages_check_duties_only_through_the_gateway():
    from services.web import organization
    source = open(organization.__file__, encoding="utf-8").read()
    assert "peer_role_chart" not in source and "/duty-checks" in source


def test_the_check_is_in_spanish_in_the_charts_own_spanish_words(admin):
    sign_in(admin, "agency_admin", ME, lang="es", organization_id=OURS)
    shown = text(admin.post("/organization/subcontracts/new", data={**A_SUBCONTRACT, "action": "check"}))
    triage = next(d for d in chart_document()["duties"] if d["code"] == "triaging_calls")
    assert triage["why"]["es"] in shown and triage["alternative"]["es"] in shown


def test_making_a_subcontract_with_a_refused_duty_sends_nothing_and_says_why(admin, fake):
    answer = admin.post("/organization/subcontracts/new", data={**A_SUBCONTRACT, "action": "make"})
    assert answer.status_code == 422 and posts(fake) == []
    assert 'id="duties-error"' in text(answer)


def test_the_alternative_put_in_place_makes_a_consistent_subcontract(admin, fake):
    triage = next(d for d in chart_document()["duties"] if d["code"] == "triaging_calls")
    checked = admin.post("/organization/subcontracts/new", data={**A_SUBCONTRACT, "replace": "1", "action": "check"})
    assert "Every duty is consistent with a peer role" in text(checked)
    answer = admin.post("/organization/subcontracts/new", data={**A_SUBCONTRACT, "replace": "1", "action": "make"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/organization/subcontracts/{AGREEMENT}")
    assert fake.posted("/subcontracts") == [{
        "buyer_id": OURS, "provider_id": PROVIDER, "hours_per_week": 20.0, "amount": "1500.00",
        "start": "2027-01-01", "end": "2027-12-31", "provider_duties": ["hiring", "training"],
        "duties": ["Facilitate a WRAP group", triage["alternative"]["en"]]}]


def test_the_apis_own_refusal_is_shown_as_the_check_is(admin, fake):
    triage = next(d for d in chart_document()["duties"] if d["code"] == "triaging_calls")
    fake.acts["/subcontracts"] = ApiError(422, "invalid", [{"field": "duties.0", "message": "not a peer role"}],
                                          {"refused_duties": [{**triage, "field": "duties.0", "index": 0,
                                                               "text": "Something new"}]})
    shown = text(admin.post("/organization/subcontracts/new", data={
        **A_SUBCONTRACT, "duties": "Something new", "action": "make"}))
    assert "Line 1: Something new" in shown and triage["alternative"]["en"] in shown


def test_the_subcontract_page_shows_placements_and_a_peer_worker_of_theirs_without_their_name(admin):
    shown = text(admin.get(f"/organization/subcontracts/{AGREEMENT}"))
    assert f"Peer worker {SKY[:8]}" in shown and "12 of 20 hours a week are placed; 8 are free." in shown
    assert "The providing organization places its peer workers." in shown


def test_amending_sends_the_version_read(admin, fake):
    answer = admin.post(f"/organization/subcontracts/{AGREEMENT}/amend", data={
        "hours_per_week": "24", "amount": "1800", "duties": "Facilitate a WRAP group", "version": "4",
        "action": "make"})
    assert answer.status_code == 302
    assert fake.posted(f"/subcontracts/{AGREEMENT}/amendments") == [{
        "hours_per_week": 24.0, "amount": "1800.00", "duties": ["Facilitate a WRAP group"], "expected_version": 4}]


def test_renewing_asks_a_later_end(admin, fake):
    answer = admin.post(f"/organization/subcontracts/{AGREEMENT}/renew", data={"end": "2027-06-30", "version": "4"})
    assert answer.status_code == 422 and posts(fake) == []
    assert "Enter a new end, after the current end." in text(answer)
    admin.post(f"/organization/subcontracts/{AGREEMENT}/renew", data={"end": "2028-12-31", "version": "4"})
    assert fake.posted(f"/subcontracts/{AGREEMENT}/renewals") == [{"end": "2028-12-31", "expected_version": 4}]


def test_ending_a_subcontract(admin, fake):
    answer = admin.post(f"/organization/subcontracts/{AGREEMENT}/end", data={"ended_on": "2026-12-31",
                                                                              "version": "4"})
    assert answer.status_code == 302
    assert fake.posted(f"/subcontracts/{AGREEMENT}/endings") == [{"ended_on": "2026-12-31", "expected_version": 4}]


def test_hours_are_a_table_and_a_chart_of_the_same_figures(admin):
    shown = text(admin.get(f"/organization/subcontracts/{AGREEMENT}/hours"))
    assert '<svg class="pn-chart"' in shown and 'role="img"' in shown
    assert shown.count('class="pn-chart__short"') == 1 and shown.count('class="pn-chart__delivered"') == 1
    assert "<caption" in shown and ">-2<" in shown and ">21<" in shown


def test_reporting_hours(admin, fake):
    admin.post(f"/organization/subcontracts/{AGREEMENT}/hours", data={"week_start": "2026-11-30", "hours": "19.5",
                                                                       "version": "4"})
    assert fake.posted(f"/subcontracts/{AGREEMENT}/hours-reports") == [
        {"week_start": "2026-11-30", "hours": 19.5, "expected_version": 4}]


def test_supervision_agreements_can_be_accepted_and_ended(admin, fake):
    shown = text(admin.get("/organization/supervision-agreements"))
    assert "Berkshire Peer Collective (synthetic) supervises our peer workers" in shown
    assert "Robin 1 (synthetic)" in shown and "Accept for our organization" in shown
    admin.post(f"/organization/supervision-agreements/{PROPOSED}/acceptance", data={"version": "2"})
    assert fake.posted(f"/supervision-agreements/{PROPOSED}/acceptances") == [
        {"organization_id": OURS, "expected_version": 2}]


def test_proposing_a_supervision_agreement_chooses_from_lists(admin, fake):
    shown = text(admin.get("/organization/supervision-agreements/new"))
    assert f'value="{SUPERVISING}"' in shown and f'value="{ROBIN}"' in shown and f'value="{OURS}"' not in shown
    answer = admin.post("/organization/supervision-agreements/new", data={
        "supervising_organization_id": SUPERVISING, "peer_worker_ids": [ROBIN, SAM], "hours_per_month": "4",
        "start": "2027-01-01", "end": "2027-12-31", "cost": "400"})
    assert answer.status_code == 302
    assert fake.posted("/supervision-agreements") == [{
        "supervised_organization_id": OURS, "supervising_organization_id": SUPERVISING,
        "peer_worker_ids": [ROBIN, SAM], "hours_per_month": 4.0, "start": "2027-01-01", "end": "2027-12-31",
        "cost": "400.00"}]


def test_finding_a_supervisor_offers_the_reachable_and_proposes_an_agreement_for_the_pool(admin, fake):
    shown = text(admin.get(f"/organization/find-supervisor?peer_worker_id={SAM}&kind=professional_development"))
    assert "Supervisors found for Sam 2 (synthetic)" in shown
    assert "Works in your organization." in shown and "Offer this supervisor" in shown
    assert "Propose a supervision agreement with their organization" in shown
    assert '<li lang="en">Something new, in English</li>' in shown
    admin.post("/organization/supervision-offers", data={"peer_worker_id": SAM, "supervisor_id": ROBIN,
                                                         "kind": "professional_development"})
    assert fake.posted("/supervision-offers") == [
        {"peer_worker_id": SAM, "supervisor_id": ROBIN, "kind": "professional_development"}]


def test_what_is_due_puts_the_overdue_first(admin):
    shown = text(admin.get("/organization/supervision"))
    assert "1 of 2 peer workers are short of supervision" in shown
    assert shown.index("Sam 2 (synthetic)") < shown.index("Robin 1 (synthetic)")
    assert "A supervision session was due on October 1, 2026." in shown


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_all_spanish(admin, path):
    sign_in(admin, "agency_admin", ME, lang="es", organization_id=OURS)
    answer = admin.get(path)  # strict: any string without Spanish fails the page
    assert answer.status_code == 200, path
    shown = text(answer)
    assert '<html lang="es">' in shown and shown.count("<h1") == 1


def test_every_page_has_one_main_heading_no_inline_style_or_script_and_no_id_to_type(admin):
    for path in PAGES:
        shown = text(admin.get(path))
        assert shown.count("<h1") == 1, path
        assert " style=" not in shown and "<script>" not in shown, path
        typed = re.findall(r'<input[^>]*type="text"[^>]*name="([^"]*id[^"]*)"', shown)
        assert not typed, (path, typed)


def test_the_development_sign_in_offers_demo_organization_admins(client, fake):
    from deploy.demo.plan import plan

    network = plan(people=6, peer_workers=6)
    first = network.organizations[0]
    shown = text(client.get("/signin"))
    assert f"{first.name}, as its admin" in shown
    fake.reads["/organizations"] = page([{"organization_id": OURS, "name": first.name, "kind": first.kind}])
    fake.reads["/me"] = {"user_id": ME, "role": "agency_admin", "organization_id": OURS}
    answer = client.post("/signin/development", data={"role": "agency_admin", "organization": first.key})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/organization")
    fake.reads["/organizations"] = page([])
    assert client.post("/signin/development", data={"role": "agency_admin", "organization": first.key}) \
        .status_code == 409
