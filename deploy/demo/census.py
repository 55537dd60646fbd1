"""What the network holds after a demo run, read back over HTTP by the state's administrator."""
from __future__ import annotations

from collections import Counter

from deploy.demo.gateway import Gateway
from deploy.demo.plan import Network

AUDITOR = "state_auditor"
COUNTED = {  # what the demo reports, as (service, published event type)
    "peer workers profiled": ("intake", "PeerWorkerProfiled"),
    "employments": ("directory", "EmploymentBegan"),
    "credentials": ("directory", "CredentialRecorded"),
    "pool members": ("directory", "PoolJoined"),
    "people enrolled": ("intake", "PersonEnrolled"),
    "items people shared": ("intake", "PersonExperienceShared"),
    "support requests": ("intake", "SupportRequested"),
    "choices": ("matching", "PeerAsked"),
    "connections": ("matching", "ConnectionBegan"),
    "supervisions accepted": ("supervision", "SupervisionAccepted"),
}


def event_types(api: Gateway, service: str) -> Counter:
    """How many events of each type the service has published, read page by page."""
    counts: Counter = Counter()
    cursor = ""
    while True:
        page = api.ok("GET", f"/services/{service}/integration-events?limit=200{cursor}", AUDITOR)
        counts.update(event["type"] for event in page["items"])
        if page["next_cursor"] is None:
            return counts
        cursor = f"&cursor={page['next_cursor']}"


def census(api: Gateway, network: Network) -> dict:
    organizations = {(o["name"], o["kind"]): o["organization_id"]
                     for o in api.every("/organizations?include_closed=true&limit=200", AUDITOR)}
    ids = {o.key: organizations.get((o.name, o.kind)) for o in network.organizations}
    subcontracts = {(s["buyer_id"], s["provider_id"]) for s in api.every("/subcontracts?limit=200", AUDITOR)}
    agreements = {(a["supervised_organization_id"], a["supervising_organization_id"]): a["status"]
                  for a in api.every("/supervision-agreements?limit=200", AUDITOR)}
    by_service = {service: event_types(api, service) for service in {service for service, _ in COUNTED.values()}}
    return {
        "organizations": sum(1 for organization_id in ids.values() if organization_id),
        "subcontracts": sum(1 for buyer, provider in network.subcontracts
                            if (ids[buyer], ids[provider]) in subcontracts),
        "active supervision agreements": sum(1 for supervised, supervising, _ in network.supervision
                                             if agreements.get((ids[supervised], ids[supervising])) == "active"),
        **{label: by_service[service][kind] for label, (service, kind) in COUNTED.items()},
    }
