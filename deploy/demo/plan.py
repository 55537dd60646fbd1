"""The synthetic statewide network the demo loads: who and what, decided before any call.

The same sizes always give the same network: ids are uuid5 from one namespace and each peer
worker and person is drawn from a generator seeded with their own number, so a second run names
exactly what the first one did, and a larger run (with the same counties) only adds to a smaller one.
"""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

NAMESPACE = uuid.UUID("5f0c1d2e-7a43-4b8e-9c61-d3e0a4b7f215")  # the demo's own; never change it
COUNTIES = ("Berkshire", "Franklin", "Hampshire", "Hampden", "Worcester", "Middlesex", "Essex", "Suffolk",
            "Norfolk", "Plymouth", "Bristol", "Barnstable", "Dukes", "Nantucket")
FIRST_NAMES = ("Robin", "Sam", "Alex", "Jordan", "Casey", "Riley", "Morgan", "Taylor", "Jamie", "Quinn", "Avery",
               "Rowan", "Sky", "Jules", "Drew", "Reese", "Emery", "Harper", "Kai", "Sage", "Ari", "Noa", "Remy", "Lee")
LANGUAGES = ("en", "en", "en", "en", "es", "pt", "ht", "vi")  # BCP 47 codes (shared/data/languages.json)
MODALITIES = ("in_person", "phone", "text", "video", "group")
EXPERIENCES = ("heard_voices", "unusual_beliefs_or_perceptions", "involuntary_hospitalization", "homelessness",
               "substance_use_recovery", "trauma_survivor", "survived_suicide_attempt", "self_injury", "veteran",
               "lgbtq", "immigrant_or_refugee", "grief_and_loss", "isolation_and_loneliness",
               "unemployment_and_return_to_work", "parenting_while_receiving_services")
SPECIALTIES = ("hearing voices", "WRAP", "alternatives to suicide", "intentional peer support", "recovery coaching",
               "employment", "housing")
# Duties consistent with the handbook's peer-role chart.
DUTIES = ("Facilitate a WRAP group", "Share lived experience to inspire hope",
          "Accompany people to appointments at their request", "Support people to speak for themselves")
SUPERVISED_PER_AGREEMENT = 3


def demo_id(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def synthetic_name(rng: random.Random, number: int) -> str:
    return f"{rng.choice(FIRST_NAMES)} {number} (synthetic)"


@dataclass
class Organization:
    key: str
    name: str
    kind: str
    county: str


@dataclass
class PeerWorker:
    peer_worker_id: str
    display_name: str
    employer: str            # an Organization's key
    county: str
    experiences: list[str]
    languages: list[str]
    modalities: list[str]
    capacity: int
    remote: bool
    certified: bool
    in_pool: bool
    specialties: list[str]
    supervisor: bool = False  # years in peer roles and credentialed to supervise peers


@dataclass
class Person:
    person_id: str
    display_name: str
    county: str
    languages: list[str]
    modalities: list[str]
    shared: list[str]
    private: list[str]
    request_id: str | None   # None: enrolled and shared, not asking yet
    chooses: bool


@dataclass
class Network:
    organizations: list[Organization]
    subcontracts: list[tuple[str, str]]           # (buyer key, provider key)
    peer_workers: list[PeerWorker]
    people: list[Person]
    supervision: list[tuple[str, str, list[str]]]  # (supervised key, supervising key, peer worker ids)
    by_key: dict[str, Organization] = field(default_factory=dict)

    def __post_init__(self):
        self.by_key = {organization.key: organization for organization in self.organizations}


def plan(counties: int = 6, people: int = 3000, peer_workers: int = 300, seed: int = 2026) -> Network:
    places = [f"{name} County" for name in COUNTIES[:max(1, min(counties, len(COUNTIES)))]]
    organizations, subcontracts = [], []
    for county in places:
        short = county.removesuffix(" County")
        peer_run = Organization(f"peer-run/{county}", f"{short} Peer Collective (synthetic)",
                                "peer_run_organization", county)
        organizations.append(peer_run)
        for label in ("Recovery Agency", "Community Services"):
            agency = Organization(f"agency/{county}/{label}", f"{short} {label} (synthetic)", "agency", county)
            organizations.append(agency)
            subcontracts.append((agency.key, peer_run.key))

    peer_run_keys = [o.key for o in organizations if o.kind == "peer_run_organization"]
    agency_keys = [o.key for o in organizations if o.kind == "agency"]
    # Every other peer-run organization has a peer supervisor; the rest find one across organizations.
    supervising_keys = peer_run_keys[::2]
    workers = []
    for number in range(peer_workers):
        rng = random.Random(f"{seed}/peer-worker/{number}")
        supervisor = number < len(supervising_keys)
        if supervisor:
            employer = supervising_keys[number]
        elif rng.random() < 0.75:
            employer = peer_run_keys[number % len(peer_run_keys)]
        else:
            employer = rng.choice(agency_keys)
        workers.append(PeerWorker(
            peer_worker_id=demo_id("peer-worker", number), display_name=synthetic_name(rng, number),
            employer=employer, county=employer.split("/")[1],
            experiences=rng.sample(EXPERIENCES, rng.randint(2, 4)),
            languages=sorted({"en", rng.choice(LANGUAGES)}),
            modalities=sorted(rng.sample(MODALITIES, rng.randint(2, 4))), capacity=rng.randint(3, 6),
            remote=rng.random() < 0.3, certified=supervisor or rng.random() < 0.7,
            in_pool=supervisor or rng.random() < 0.6, specialties=rng.sample(SPECIALTIES, 2), supervisor=supervisor))

    persons = []
    for number in range(people):
        rng = random.Random(f"{seed}/person/{number}")
        county = rng.choice(places)
        items = rng.sample(EXPERIENCES, rng.randint(1, 4))
        asks = rng.random() < 0.85
        persons.append(Person(
            person_id=demo_id("person", number), display_name=synthetic_name(rng, number), county=county,
            languages=sorted({"en", rng.choice(LANGUAGES)}), modalities=sorted(rng.sample(MODALITIES, 2)),
            shared=items[:-1] or items, private=items[-1:] if len(items) > 1 else [],
            request_id=demo_id("support-request", number) if asks else None,
            chooses=asks and rng.random() < 0.4))

    # A peer-run organization without a peer supervisor agrees with the one before it, which has one.
    supervision = []
    for index, supervised in enumerate(peer_run_keys):
        named = [w.peer_worker_id for w in workers if w.employer == supervised]
        if index % 2 and named:
            supervision.append((supervised, peer_run_keys[index - 1], named[:SUPERVISED_PER_AGREEMENT]))
    return Network(organizations, subcontracts, workers, persons, supervision)
