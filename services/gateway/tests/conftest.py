"""The gateway without a broker: its request cycle over a fake backend that records each call."""
import uuid

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request

from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import development_verifier
from services.gateway.idempotency import sqlite_store
from shared.dev_tokens import mint_development_token

SECRET = "unit-test-secret-" + "x" * 32
ORG = "5d1b7c3e-0a4f-4c2e-9a61-3f0d2b8e7c15"  # directory ids are UUIDs; an agency admin token names one


class FakeBackend:
    """Answers like the services do; `answers` maps (service, method) to a value or an exception."""

    def __init__(self):
        self.calls = []
        self.answers = {}

    def call(self, service, method, *args, caller):
        self.calls.append((service, method, args, caller))
        answer = self.answers.get((service, method))
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(*args)
        return answer


@pytest.fixture
def backend():
    return FakeBackend()


@pytest.fixture
def keys(tmp_path):
    return sqlite_store(tmp_path / "gateway_idempotency.sqlite", b"unit-test-idempotency-secret")


@pytest.fixture
def gateway(keys):
    return Gateway(ROUTES, development_verifier(SECRET), max_body=4096, keys=keys)


@pytest.fixture
def client(gateway, backend):
    def app(environ, start_response):
        return gateway.handle(Request(environ), backend)(environ, start_response)
    return Client(app)


def token(role, user_id=None, organization_id=None, **kwargs):
    if role == "agency_admin" and organization_id is None:
        organization_id = ORG
    return mint_development_token(role, user_id or str(uuid.uuid4()), organization_id, secret=SECRET, **kwargs)


def bearer(role, user_id=None, organization_id=None, **kwargs):
    return {"Authorization": f"Bearer {token(role, user_id, organization_id, **kwargs)}"}
