"""Every route with every role: allowed (2xx) or 403, and the table covers every route."""
import uuid

import pytest

from services.gateway.api import ROUTES
from services.gateway.auth import TOKEN_ROLES
from services.gateway.tests.conftest import ORG, bearer

ME = str(uuid.uuid4())  # the caller's own id: a peer worker acting on their own profile

# operation -> (path, JSON body or None), in scope for every role that may call it
REQUESTS = {
    "recordPeerWorkerProfile": ("/peer-workers", {"peer_worker_id": ME, "display_name": "Sam (synthetic)",
                                                   "organization_id": ORG}),
    "shareExperience": (f"/peer-workers/{ME}/shared-experiences", {"experience": "veteran", "visibility": "matching"}),
    "withdrawExperience": (f"/peer-workers/{ME}/experience-withdrawals", {"experience": "veteran"}),
    "readCandidate": (f"/candidates/{ME}", None),
    "registerOrganization": ("/organizations", {"name": "Hilltown Peer Center (synthetic)",
                                                "kind": "peer_run_organization", "regions": ["Hampden"]}),
    "listServices": ("/services", None),
    "readPositions": ("/services/intake/positions", None),
    "listIntegrationEvents": ("/services/intake/integration-events?limit=5", None),
    "health": ("/health", None),
    "metrics": ("/metrics", None),
    "openapi": ("/openapi.json", None),
    "docs": ("/docs", None),
}
ANSWERS = {
    ("intake", "record_peer_worker_profile"): ME,
    ("matching", "candidate"): {"peer_worker_id": ME, "organization_id": ORG, "display_name": "Sam (synthetic)",
                                "shared_for_matching": ["veteran"], "upstream_position": 1},
    ("directory", "register_organization"): str(uuid.uuid4()),
    ("intake", "positions"): {"log": 3, "upstream": {}},
    ("intake", "integration_events"): [],
}


def test_the_table_covers_every_route():
    assert set(REQUESTS) == {route.operation for route in ROUTES}


@pytest.mark.parametrize("role", TOKEN_ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.operation)
def test_role_matrix(client, backend, route, role):
    backend.answers.update(ANSWERS)
    path, body = REQUESTS[route.operation]
    answer = client.open(path, method=route.method, json=body, headers=bearer(role, ME))
    if route.roles is None or role in route.roles:
        assert 200 <= answer.status_code < 300, answer.get_data(as_text=True)
    else:
        assert answer.status_code == 403, answer.get_data(as_text=True)
        assert backend.calls == []
