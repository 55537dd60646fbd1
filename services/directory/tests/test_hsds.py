"""The Open Referral (HSDS 3.0) export: every open organization with its peer support service, its
counties, languages and published contact; groups as services of their own; every object valid
against HSDS 3.0's own JSON schemas (vendored in hsds_3_0/, see SOURCE.md); nobody's personal data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from services.directory.setup import setup
from services.directory.tests.support import SYSTEM, Network, admin_of, cps, group, organization, peer_caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401  (fixtures)

SCHEMAS = Path(__file__).parent / "hsds_3_0"
# Each table of the export, and the HSDS object schema its rows are.
TABLES = {"organizations": "organization.json", "services": "service.json", "locations": "location.json",
          "service_at_locations": "service_at_location.json", "schedules": "schedule.json"}
REGISTRY = Registry().with_resources(
    (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
    for path in SCHEMAS.glob("*.json"))


def hsds_errors(export: dict) -> list[str]:
    """Every way the export's rows break HSDS 3.0 (the schemas' $refs resolve among the vendored files)."""
    errors = []
    for table, schema_file in TABLES.items():
        validator = Draft202012Validator(REGISTRY.contents(schema_file), registry=REGISTRY,
                                         format_checker=FormatChecker())
        for index, row in enumerate(export[table]):
            errors += [f"{table}[{index}].{'.'.join(map(str, e.absolute_path))}: {e.message}"
                       for e in validator.iter_errors(row)]
    return errors


@pytest.fixture
def directory(app_factory):
    return app_factory(setup)


@pytest.fixture
def net(directory):
    return Network(directory)


def export(directory, **query) -> dict:
    answer = directory.perform("export_hsds", SYSTEM, query)
    assert hsds_errors(answer) == []
    return answer


def test_the_schemas_catch_what_hsds_refuses():
    # What the export gave before: a language and a service area without an id, a null email,
    # a schedule's zone as text where HSDS 3.0 wants a number.
    old = {"hsds_version": "3.0", "locations": [], "service_at_locations": [],
           "organizations": [{"id": "0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d", "name": "A", "description": "B",
                              "email": None}],
           "services": [{"id": "0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d", "name": "S", "status": "active",
                         "languages": [{"name": "Spanish", "code": "es"}], "service_areas": [{"name": "Hampden"}]}],
           "schedules": [{"id": "not-a-uuid", "timezone": "America/New_York"}]}
    errors = "\n".join(hsds_errors(old))
    assert "organizations[0].email" in errors and "services[0].languages.0" in errors
    assert "services[0].service_areas.0" in errors and "schedules[0].timezone" in errors
    assert "schedules[0].id" in errors


def test_every_open_organization_is_exported_with_its_peer_support_counties_languages_and_contact(directory, net):
    bilingual = directory.perform("register_organization", SYSTEM, organization(
        "Berkshire Recovery Community", "peer_run_organization", regions=["Berkshire County", "Hampden County"],
        languages=["Spanish", "en"], contact={"email": "hello@recovery.example.org", "phone": "555-0199",
                                              "address": "1 Example Way, Pittsfield, MA 01201"}))
    closed = directory.perform("register_organization", SYSTEM, organization("Closed Agency", regions=["Franklin"]))
    directory.perform("close_organization", admin_of(closed), {"organization_id": str(closed)})

    answer = export(directory)
    organizations = {o["name"]: o for o in answer["organizations"]}
    assert sorted(organizations) == ["Berkshire Recovery Community", "Hampden Community Agency",
                                     "Valley Peer Collective"]
    services = {s["organization_id"]: s for s in answer["services"]}
    assert set(services) == {str(net.agency), str(net.provider), str(bilingual)}

    recovery = organizations["Berkshire Recovery Community"]
    assert recovery["email"] == "hello@recovery.example.org"
    assert [p["number"] for p in recovery["phones"]] == ["555-0199"]
    assert recovery["locations"][0]["description"] == "1 Example Way, Pittsfield, MA 01201"
    service = services[str(bilingual)]
    assert [a["name"] for a in service["service_areas"]] == ["Berkshire County", "Hampden County"]
    assert [(language["code"], language["name"]) for language in service["languages"]] == [
        ("en", "English"), ("es", "Spanish")]
    assert service["attributes"][0]["taxonomy_term"]["code"] == "peer_support"
    # An organization without a published contact or languages has neither, rather than nulls.
    agency = organizations["Hampden Community Agency"]
    assert "email" not in agency and agency["phones"] == [] and services[str(net.agency)]["languages"] == []
    assert organizations["Valley Peer Collective"]["website"] == "https://peer-collective.example.org"
    # The same objects keep the same ids from one export to the next.
    assert export(directory) == answer


def test_an_organization_names_and_changes_its_languages(directory, net):
    directory.perform("update_organization", admin_of(net.agency), {"organization_id": str(net.agency),
                                                                    "languages": ["Portuguese"]})
    assert directory.perform("organization", SYSTEM, str(net.agency))["languages"] == ["pt"]
    [service] = [s for s in export(directory)["services"] if s["organization_id"] == str(net.agency)]
    assert [language["code"] for language in service["languages"]] == ["pt"]
    # Changing something else keeps them.
    directory.perform("update_organization", admin_of(net.agency), {"organization_id": str(net.agency),
                                                                    "regions": ["Hampden", "Berkshire"]})
    assert directory.perform("organization", SYSTEM, str(net.agency))["languages"] == ["pt"]


def test_groups_are_services_of_their_host_with_a_location_and_a_schedule(directory, net):
    group_id = directory.perform("list_group", SYSTEM, group(net.provider, languages=["Spanish"]))
    directory.perform("list_group", SYSTEM, group(net.provider, kind="wrap", name="Online WRAP", place=None,
                                                  link="https://meet.example.org/wrap", region="Berkshire"))
    answer = export(directory)
    [hearing_voices] = [s for s in answer["services"] if s["id"] == str(group_id)]
    assert hearing_voices["organization_id"] == str(net.provider)
    assert [a["name"] for a in hearing_voices["service_areas"]] == ["Hampden"]
    assert [language["code"] for language in hearing_voices["languages"]] == ["es"]
    locations = {location["id"]: location for location in answer["locations"]}
    kinds = sorted(location["location_type"] for location in locations.values())
    assert kinds == ["physical", "virtual"]
    [link] = [link for link in answer["service_at_locations"] if link["service_id"] == str(group_id)]
    assert locations[link["location_id"]]["addresses"][0]["city"] == "Springfield"
    [schedule] = [s for s in answer["schedules"] if s["service_id"] == str(group_id)]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"]) == ("WEEKLY", "TH", "18:00")
    assert schedule["description"] == "Times in America/New_York"
    directory.perform("retire_group", admin_of(net.provider), {"group_id": str(group_id)})
    assert str(group_id) not in {s["id"] for s in export(directory)["services"]}


def test_filters_narrow_the_services_and_the_organizations_with_them(directory, net):
    directory.perform("list_group", SYSTEM, group(net.provider))
    answer = export(directory, kind="hearing_voices")
    assert [o["name"] for o in answer["organizations"]] == ["Valley Peer Collective"]
    assert [s["name"] for s in answer["services"]] == ["Thursday Hearing Voices"]
    elsewhere = directory.perform("register_organization", SYSTEM, organization("Cape Agency", regions=["Barnstable"]))
    assert [o["id"] for o in export(directory, region="Barnstable")["organizations"]] == [str(elsewhere)]
    assert {s["organization_id"] for s in export(directory, host_organization_id=str(net.agency))["services"]} == {
        str(net.agency)}


def test_nothing_personal_about_peer_workers_is_in_it(directory, net):
    worker = net.workers[0]
    directory.perform("join_pool", peer_caller(worker), {
        "peer_worker_id": str(worker), "organization_id": str(net.provider), "display_name": "Rowan Example",
        "region": "Hampden", "languages": ["Spanish"]})
    directory.perform("record_credential", SYSTEM, cps(worker))
    directory.perform("list_group", SYSTEM, group(net.provider, facilitator_ids=[str(worker)]))
    text = json.dumps(export(directory))
    for personal in ("Rowan Example", "CPS-0000-SYN", *map(str, net.workers), "facilitator"):
        assert personal not in text
