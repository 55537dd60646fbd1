"""The whole network as `make run` starts it (every service, its relay and the gateway),
on a private vhost with SQLite stores under the test's own directory, reached only over HTTP."""
import uuid

import pytest
import requests

from shared.dev_tokens import mint_development_token
from shared.network import GATEWAY, PROCESSES

SECRET = "e2e-development-secret-" + "s" * 32


class Gateway:
    """HTTP calls as one role: a development token minted as `make token` mints it."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def token(self, role: str, user_id: str | None = None, organization_id: str | None = None) -> str:
        return mint_development_token(role, user_id or str(uuid.uuid4()), organization_id, secret=SECRET)

    def __call__(self, method, path, role=None, user_id=None, organization_id=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if role:
            headers["Authorization"] = f"Bearer {self.token(role, user_id, organization_id)}"
        answer = self.session.request(method, self.base_url + path, headers=headers, timeout=20, **kwargs)
        assert answer.headers.get("X-Correlation-Id"), f"{method} {path} answered without a correlation id"
        return answer


@pytest.fixture
def whole_network(network_factory, tmp_path):
    network = network_factory({"PEERNET_VAR_DIR": str(tmp_path / "var"), "PEERNET_STORE": "sqlite",
                               "PEERNET_JWT_SECRET": SECRET}, services=PROCESSES)
    network.start(timeout=90)
    return network


@pytest.fixture
def gateway(whole_network):
    return Gateway(f"http://127.0.0.1:{whole_network.specs[GATEWAY].port}")
