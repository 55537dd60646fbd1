"""Sign-in, the session cookie, CSRF and the Content-Security-Policy, without a browser."""
import time
import uuid

import pytest

from services.web.app import create_app
from services.web.settings import Settings
from services.web.tests.conftest import sign_in

ME = str(uuid.uuid4())


def test_development_sign_in_asks_the_gateway_who_it_is_and_keeps_a_protected_cookie(client, fake):
    fake.reads["/me"] = {"user_id": ME, "role": "person", "organization_id": None}
    answer = client.post("/signin/development", data={"role": "person", "user_id": ME})
    assert answer.status_code == 302 and answer.headers["Location"] == "/person"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    with client.session_transaction() as session:
        assert session["user_id"] == ME and session["role"] == "person"
        assert session["ends_at"] > time.time() + 3600


def test_the_cookie_is_secure_unless_turned_off(app, fake):
    app.config["SESSION_COOKIE_SECURE"] = True
    fake.reads["/me"] = {"user_id": ME, "role": "person", "organization_id": None}
    answer = app.test_client().post("/signin/development", data={"role": "person", "user_id": ME})
    assert "Secure" in answer.headers["Set-Cookie"]


def test_a_session_past_its_end_signs_in_again_whatever_the_cookie_says(client):
    sign_in(client, "person", ME)
    with client.session_transaction() as session:
        session["ends_at"] = time.time() - 1
    answer = client.get("/person")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/signin")


def test_sign_in_goes_back_only_to_a_page_of_this_site(client, fake):
    fake.reads["/me"] = {"user_id": ME, "role": "person", "organization_id": None}
    client.get("/signin?next=//elsewhere.example/x")
    answer = client.post("/signin/development", data={"role": "person", "user_id": ME})
    assert answer.headers["Location"] == "/person"


def test_a_post_without_its_csrf_token_changes_nothing(app, fake):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    sign_in(client, "person", ME)
    answer = client.post("/person/forget")
    assert answer.status_code == 400 and fake.posted(f"/people/{ME}/erasures") == []


def test_every_page_forbids_inline_script_and_other_origins(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


def test_development_sign_in_cannot_exist_with_an_identity_provider(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path))
    settings = Settings(gateway_url="http://gateway.invalid", web_url="http://127.0.0.1:8100",
                        oidc_issuer="http://127.0.0.1:1/", oidc_audience="peernet", client_id="web",
                        client_secret="s", secret_key="k" * 32, secure_cookies=True, session_hours=8,
                        strict_i18n=True)
    app = create_app(settings)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    answer = app.test_client().post("/signin/development", data={"role": "person", "user_id": ME})
    assert answer.status_code == 404 and fake.calls == []
    assert "Development installation" not in app.test_client().get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["agency_admin", "system"])
def test_development_sign_in_offers_only_the_roles_these_pages_serve(client, role):
    assert client.post("/signin/development", data={"role": role, "user_id": ME}).status_code == 400
