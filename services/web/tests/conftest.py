"""The pages without a browser: Flask's test client, the gateway replaced by a fake that
answers from a table and records every call."""
from __future__ import annotations

import importlib
import time

import pytest

from services.web import auth
from services.web.app import create_app
from services.web.gateway import ApiError
from services.web.settings import Settings

VOCABULARIES = {
    "version": 1,
    "experiences": [{"id": "heard_voices", "label": {"en": "heard voices", "es": "escuchar voces"}},
                    {"id": "veteran", "label": {"en": "veteran", "es": "veterano o veterana"}}],
    "languages": [{"code": "en", "label": {"en": "English", "es": "inglés"}},
                  {"code": "es", "label": {"en": "Spanish", "es": "español"}}],
    "modalities": [{"id": "phone", "label": {"en": "phone", "es": "teléfono"}},
                   {"id": "video", "label": {"en": "video", "es": "video"}}],
    "regions": [{"id": "Hampden County", "label": {"en": "Hampden County", "es": "Condado de Hampden"}}],
}


class FakeGateway:
    """Answers GETs from `reads` (path -> answer or ApiError) and POSTs from `acts`; keeps `calls`."""

    def __init__(self):
        self.reads: dict = {"/vocabularies": VOCABULARIES}
        self.acts: dict = {}
        self.calls: list[tuple] = []

    def get(self, path, **params):
        self.calls.append(("GET", path, params))
        return self._answer(self.reads, path)

    def stream(self, path, **params):
        self.calls.append(("STREAM", path, params))
        answer = self._answer(self.reads, path)
        return answer["content_type"], iter(answer["chunks"])

    def post(self, path, body=None):
        self.calls.append(("POST", path, body))
        return self._answer(self.acts, path, default={})

    @staticmethod
    def _answer(table, path, default=None):
        answer = table.get(path, default)
        if answer is None:
            raise ApiError(404, "not found")
        if isinstance(answer, ApiError):
            raise answer
        return answer

    def posted(self, path):
        return [body for method, p, body in self.calls if method == "POST" and p == path]


@pytest.fixture
def fake(monkeypatch):
    gateway = FakeGateway()
    monkeypatch.setattr(auth, "gateway", lambda token=None: gateway)
    for name in ("services.web.person", "services.web.peer", "services.web.invitations",
                 "services.web.supervisor", "services.web.organization", "services.web.state",
                 "services.web.notifications"):
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module not written yet has nothing to replace
            continue
        monkeypatch.setattr(module, "gateway", lambda token=None: gateway)
    return gateway


@pytest.fixture
def app(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path))
    settings = Settings(gateway_url="http://gateway.invalid", web_url="http://127.0.0.1:8100", oidc_issuer="",
                        oidc_audience="peernet", client_id="", client_secret="", secret_key="k" * 32,
                        secure_cookies=False, session_hours=8, strict_i18n=True)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.extensions["peernet_vocabulary"].gateway = fake
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(client, role: str, user_id: str, lang: str = "en", organization_id: str | None = None):
    with client.session_transaction() as session:
        session.update(token="t", user_id=user_id, role=role, organization_id=organization_id,
                       ends_at=time.time() + 3600,
                       lang=lang)
