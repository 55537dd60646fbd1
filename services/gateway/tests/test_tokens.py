"""Development tokens, and production tokens checked against an identity provider's JWKS,
served here by a tiny local HTTP server with locally generated RSA and EC keys."""
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from services.gateway import auth, tokens
from services.gateway.auth import TokenRefused
from shared import dev_tokens
from shared.identity import peernet_id

AUDIENCE = "peernet-api"


@pytest.fixture(scope="module")
def keys():
    return {"rsa-1": (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256", RSAAlgorithm),
            "ec-1": (ec.generate_private_key(ec.SECP256R1()), "ES256", ECAlgorithm)}


@pytest.fixture(scope="module")
def provider(keys):
    """An OpenID Connect provider's discovery document and JWKS, on 127.0.0.1."""
    jwks = {"keys": []}
    for kid, (private, algorithm, family) in keys.items():
        jwk = json.loads(family.to_jwk(private.public_key()))
        jwks["keys"].append({**jwk, "kid": kid, "alg": algorithm, "use": "sig"})
    documents = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = documents.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body or {}).encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = f"http://127.0.0.1:{server.server_address[1]}/realms/state"
    documents["/realms/state/.well-known/openid-configuration"] = {"issuer": issuer,
                                                                   "jwks_uri": issuer + "/certs"}
    documents["/realms/state/certs"] = jwks
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield issuer, jwks
    server.shutdown()


def signed(keys, kid, **claims):
    private, algorithm, _ = keys[kid]
    now = int(time.time())
    return jwt.encode({"sub": "worker-7", "role": "peer", "iat": now, "exp": now + 300, **claims},
                      private, algorithm=algorithm, headers={"kid": kid})


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1"])
def test_provider_tokens_are_verified_with_its_published_keys(provider, keys, kid):
    issuer, _ = provider
    verifier = auth.oidc_verifier(issuer, AUDIENCE)  # finds the JWKS through discovery
    caller = verifier.caller(signed(keys, kid, iss=issuer, aud=AUDIENCE, role="agency_admin",
                                    organization_id="org-9"), "corr-1")
    assert (caller.user_id, caller.role, caller.organization_id, caller.correlation_id) == (
        peernet_id(issuer, "worker-7"), "agency_admin", "org-9", "corr-1")


def test_issuer_audience_algorithm_and_key_are_all_checked(provider, keys):
    issuer, _ = provider
    verifier = auth.oidc_verifier(issuer, AUDIENCE)
    refused = [
        signed(keys, "rsa-1", iss="http://127.0.0.1:1/other", aud=AUDIENCE),
        signed(keys, "rsa-1", iss=issuer, aud="another-app"),
        signed(keys, "rsa-1", iss=issuer),  # no audience at all
        signed(keys, "rsa-1", iss=issuer, aud=AUDIENCE, exp=int(time.time()) - 600),
        signed(keys, "rsa-1", iss=issuer, aud=AUDIENCE, role="system"),
        # An HMAC token "signed" with a public key must never pass as the provider's.
        jwt.encode({"sub": "x", "role": "peer", "iss": issuer, "aud": AUDIENCE, "exp": 2 ** 32},
                   "a-shared-secret-of-enough-length-000", algorithm="HS256", headers={"kid": "rsa-1"}),
    ]
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    refused.append(jwt.encode({"sub": "x", "role": "peer", "iss": issuer, "aud": AUDIENCE, "exp": 2 ** 32},
                              stranger, algorithm="RS256", headers={"kid": "rsa-unknown"}))
    refused.append(jwt.encode({"sub": "x", "role": "peer", "iss": issuer, "aud": AUDIENCE, "exp": 2 ** 32},
                              stranger, algorithm="RS256", headers={"kid": "rsa-1"}))
    for token in refused:
        with pytest.raises(TokenRefused):
            verifier.caller(token, "c")


def test_keys_can_come_from_a_local_file(provider, keys, tmp_path):
    issuer, jwks = provider
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    verifier = auth.oidc_verifier(issuer, AUDIENCE, jwks_uri=path.as_uri())
    assert verifier.caller(signed(keys, "ec-1", iss=issuer, aud=AUDIENCE), "c").role == "peer"


def test_an_unreachable_provider_refuses_tokens_instead_of_failing(keys):
    verifier = auth.oidc_verifier("http://127.0.0.1:9/nothing", AUDIENCE)
    with pytest.raises(TokenRefused):
        verifier.caller(signed(keys, "rsa-1", iss="http://127.0.0.1:9/nothing", aud=AUDIENCE), "c")


def test_the_environment_chooses_the_verifier(monkeypatch, provider, keys, tmp_path):
    issuer, _ = provider
    monkeypatch.setenv("PEERNET_OIDC_ISSUER", issuer)
    monkeypatch.delenv("PEERNET_OIDC_AUDIENCE", raising=False)
    with pytest.raises(ValueError):
        auth.verifier_from_env()
    monkeypatch.setenv("PEERNET_OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("PEERNET_JWT_ROLE_CLAIM", "peernet_role")
    verifier = auth.verifier_from_env()
    token = signed(keys, "rsa-1", iss=issuer, aud=AUDIENCE, role=None, peernet_role="supervisor")
    assert verifier.caller(token, "c").role == "supervisor"
    # With a provider configured, development tokens are worthless.
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path))
    with pytest.raises(TokenRefused):
        verifier.caller(dev_tokens.mint_development_token("peer", "u"), "c")


def test_development_secret_is_generated_once_into_var(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PEERNET_JWT_SECRET", raising=False)
    monkeypatch.delenv("PEERNET_OIDC_ISSUER", raising=False)
    assert tokens.main(["--role", "agency_admin", "--user", "admin-1", "--org", "org-3"]) == 0
    minted = capsys.readouterr().out.strip()
    assert (tmp_path / "jwt.secret").exists()
    caller = auth.verifier_from_env().caller(minted, "c")
    assert (caller.user_id, caller.role, caller.organization_id) == ("admin-1", "agency_admin", "org-3")
    assert tokens.main(["--role", "agency_admin", "--user", "admin-1"]) == 2  # an admin needs an organization
    monkeypatch.setenv("PEERNET_JWT_SECRET", "from-the-environment-" + "z" * 32)
    with pytest.raises(TokenRefused):
        auth.verifier_from_env().caller(minted, "c")


def test_a_providers_subject_becomes_a_peernet_id_of_its_issuer(provider, keys, tmp_path):
    issuer, jwks = provider
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    verifier = auth.oidc_verifier(issuer, AUDIENCE, jwks_uri=path.as_uri())
    caller = verifier.caller(signed(keys, "rsa-1", iss=issuer, aud=AUDIENCE, sub="auth0|5f1c-not-a-uuid"), "c")
    assert caller.user_id == peernet_id(issuer, "auth0|5f1c-not-a-uuid")
    assert str(uuid.UUID(caller.user_id)) == caller.user_id  # a UUID, as the paths' ids are
    again = verifier.caller(signed(keys, "ec-1", iss=issuer, aud=AUDIENCE, sub="auth0|5f1c-not-a-uuid"), "d")
    assert again.user_id == caller.user_id  # the same person every time they sign in


def test_without_a_role_claim_a_provider_token_is_the_default_role(provider, keys, tmp_path, monkeypatch):
    issuer, jwks = provider
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    monkeypatch.setenv("PEERNET_OIDC_ISSUER", issuer)
    monkeypatch.setenv("PEERNET_OIDC_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("PEERNET_OIDC_JWKS_URI", path.as_uri())
    monkeypatch.delenv("PEERNET_OIDC_DEFAULT_ROLE", raising=False)
    no_role = signed(keys, "rsa-1", iss=issuer, aud=AUDIENCE, role=None)
    assert auth.verifier_from_env().caller(no_role, "c").role == "person"  # anyone may sign up for support
    staff = signed(keys, "rsa-1", iss=issuer, aud=AUDIENCE, role="supervisor")
    assert auth.verifier_from_env().caller(staff, "c").role == "supervisor"  # staff roles: the provider's claim
    monkeypatch.setenv("PEERNET_OIDC_DEFAULT_ROLE", "peer")
    assert auth.verifier_from_env().caller(no_role, "c").role == "peer"
    monkeypatch.setenv("PEERNET_OIDC_DEFAULT_ROLE", "system")
    with pytest.raises(ValueError):
        auth.verifier_from_env()


def test_development_tokens_keep_their_subject_as_the_id(monkeypatch, tmp_path):
    monkeypatch.setenv("PEERNET_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PEERNET_JWT_SECRET", raising=False)
    monkeypatch.delenv("PEERNET_OIDC_ISSUER", raising=False)
    me = str(uuid.uuid4())
    assert auth.verifier_from_env().caller(dev_tokens.mint_development_token("person", me), "c").user_id == me
    with pytest.raises(TokenRefused):  # no role claim: a development token must name one
        auth.development_verifier().caller(jwt.encode(
            {"sub": me, "iss": dev_tokens.DEV_ISSUER, "aud": dev_tokens.DEV_AUDIENCE, "exp": 2 ** 32},
            dev_tokens.development_secret(), algorithm="HS256"), "c")
