"""Who is calling: bearer JSON Web Tokens, verified before anything else happens.

Two ways to trust a token, chosen by the environment:

| variable                        | default                  | meaning |
| ------------------------------- | ------------------------ | ------- |
| PEERNET_OIDC_ISSUER             | (unset: development)     | the identity provider's issuer; set it in production |
| PEERNET_OIDC_AUDIENCE           | (required with issuer)   | the audience tokens must be minted for |
| PEERNET_OIDC_JWKS_URI           | issuer's discovery document | where the provider publishes its signing keys (http(s):, or file: for a kept copy) |
| PEERNET_OIDC_DEFAULT_ROLE       | person                   | the role of a provider's token without a role claim: anyone may sign up to look for support; staff roles come from the provider's claim |
| PEERNET_JWT_SECRET              | generated into var/jwt.secret | development HMAC secret (HS256) |
| PEERNET_JWT_ROLE_CLAIM          | role                     | the claim that carries the peernet role |
| PEERNET_JWT_ORGANIZATION_CLAIM  | organization_id          | the claim that carries the organization |

Each verifier accepts only its own algorithms (HS256 in development, RS256 and
ES256 in production), so a token signed one way is never checked the other.

With a provider, the caller's peernet id is derived from the issuer and the token's subject
(shared.identity.peernet_id): a provider's subjects need not be UUIDs, and two providers' may
collide. A development token's `sub` is the peernet id itself. Minting development tokens lives
in shared.dev_tokens.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from marshmallow import ValidationError

from shared import config
from shared.dev_tokens import DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER, development_secret
from shared.identity import TOKEN_ROLES, Caller, Claims, peernet_id

OIDC_ALGORITHMS = ("RS256", "ES256")
# A development token lives at most a day: one copied into a script or a chat stops working soon.
DEVELOPMENT_MAX_LIFETIME = 24 * 3600
LEEWAY = 30
# A verified token's caller is kept this long (never past its expiry): a client sends one token with many
# requests, and decoding it each time was a fifth of the gateway's CPU per request. A provider's revoked
# signing key stops being honoured within this much.
KEEP_VERIFIED = 60.0
KEEP_AT_MOST = 10_000  # tokens kept; past it the kept ones are let go together
log = logging.getLogger("peernet.gateway.auth")

# What each refusal says, in plain words: never the library's own message (internals, key material hints).
_REFUSALS = (
    (jwt.ExpiredSignatureError, "the token has expired: sign in again"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidSignatureError, "the token's signature does not check out"),
    (jwt.InvalidAudienceError, "the token was issued for another audience"),
    (jwt.InvalidIssuerError, "the token was issued by another issuer"),
    (jwt.InvalidAlgorithmError, "the token is signed with an algorithm not accepted here"),
    (jwt.MissingRequiredClaimError, "the token lacks a claim it needs (exp, iat, iss, aud, sub)"),
    (jwt.DecodeError, "the token cannot be read: send it as the sign-in gave it"),
)


_CLAIMS = Claims()


class TokenRefused(Exception):
    """No usable bearer token: the caller must sign in again (401)."""


class Verifier:
    """Turns a compact JWT into the Caller that travels with every RPC."""

    def __init__(self, key_for, algorithms, issuer: str, audience: str,
                 role_claim: str = "role", organization_claim: str = "organization_id",
                 derive_ids: bool = False, default_role: str | None = None, max_lifetime: int | None = None):
        self.max_lifetime = max_lifetime  # seconds from iat to exp (None: as the provider says)
        self.derive_ids = derive_ids  # a provider's subject -> peernet_id(issuer, subject)
        self.default_role = default_role  # the role of a token without a role claim (None: refused)
        self.key_for = key_for
        self.algorithms = list(algorithms)
        self.issuer = issuer
        self.audience = audience
        self.role_claim = role_claim
        self.organization_claim = organization_claim
        self._kept: dict[str, tuple[float, Caller]] = {}  # token -> (kept until, its caller)
        self._lock = threading.Lock()

    def caller(self, token: str, correlation_id: str) -> Caller:
        """The token's caller for this request; a refused token is never kept, so it is checked anew each time."""
        now = time.time()
        kept = self._kept.get(token)
        if kept is not None and now < kept[0]:
            return dataclasses.replace(kept[1], correlation_id=correlation_id)
        caller, expires = self._verify(token, correlation_id)
        with self._lock:
            if len(self._kept) >= KEEP_AT_MOST:
                self._kept.clear()
            self._kept[token] = (min(expires + LEEWAY, now + KEEP_VERIFIED), caller)
        return caller

    def _verify(self, token: str, correlation_id: str) -> tuple[Caller, float]:
        required = ["exp", "iss", "aud", "sub", *(["iat"] if self.max_lifetime else [])]
        try:
            key = self.key_for(token)
            claims = jwt.decode(token, key, algorithms=self.algorithms, issuer=self.issuer,
                                audience=self.audience, options={"require": required}, leeway=LEEWAY)
        except (jwt.PyJWTError, ValueError) as error:
            raise TokenRefused(next((said for kind, said in _REFUSALS if isinstance(error, kind)),
                                    "the token is not valid here")) from None
        if self.max_lifetime and not (isinstance(claims["exp"], (int, float)) and isinstance(claims["iat"], (int, float))
                                      and claims["exp"] - claims["iat"] <= self.max_lifetime + LEEWAY):
            raise TokenRefused(f"the token lives longer than {self.max_lifetime // 3600} hours: mint a shorter one")
        try:
            role = claims.get(self.role_claim)
            identity = _CLAIMS.load({"sub": claims.get("sub"),
                                      "role": self.default_role if role is None else role,
                                      "organization_id": claims.get(self.organization_claim)})
        except ValidationError as error:
            claims_at_fault = ", ".join(sorted(str(name) for name in error.normalized_messages()))
            raise TokenRefused(f"the token does not say who is calling: check its {claims_at_fault}") from None
        user_id = peernet_id(self.issuer, identity["sub"]) if self.derive_ids else identity["sub"]
        return Caller(user_id=user_id, role=identity["role"], organization_id=identity["organization_id"],
                      correlation_id=correlation_id), float(claims["exp"])


def development_verifier(secret: str | None = None) -> Verifier:
    secret = secret or development_secret()
    return Verifier(lambda token: secret, (DEV_ALGORITHM,), DEV_ISSUER, DEV_AUDIENCE, *config.token_claim_names(),
                    max_lifetime=DEVELOPMENT_MAX_LIFETIME)


def oidc_verifier(issuer: str, audience: str, jwks_uri: str | None = None, default_role: str = "person") -> Verifier:
    """Keys come from the provider's JWKS: looked up at the first token (so the gateway
    starts while the provider is away), cached, and fetched again for an unknown key id."""
    if default_role not in TOKEN_ROLES:
        raise ValueError(f"PEERNET_OIDC_DEFAULT_ROLE must be one of {', '.join(TOKEN_ROLES)}, not {default_role!r}")
    names = {"derive_ids": True, "default_role": default_role}
    if jwks_uri and jwks_uri.startswith("file:"):
        return Verifier(_keys_from_file(jwks_uri), OIDC_ALGORITHMS, issuer, audience, *config.token_claim_names(),
                        **names)
    clients: list[jwt.PyJWKClient] = []

    def key_for(token: str):
        try:
            if not clients:
                clients.append(jwt.PyJWKClient(jwks_uri or discover_jwks_uri(issuer),
                                               cache_keys=True, lifespan=3600, timeout=10))
            return clients[0].get_signing_key_from_jwt(token).key
        except (jwt.PyJWKClientConnectionError, OSError, KeyError, ValueError) as error:
            log.warning("the identity provider's keys cannot be read: %s", type(error).__name__)
            raise TokenRefused("the identity provider's keys cannot be read now: try again shortly") from None
        except jwt.PyJWKClientError:  # no key with the token's key id
            raise TokenRefused("the token is signed with a key this installation does not know") from None

    return Verifier(key_for, OIDC_ALGORITHMS, issuer, audience, *config.token_claim_names(), **names)


def _keys_from_file(jwks_uri: str):
    """A JWKS kept as a file (an installation without a reachable provider); read at each
    token, so replacing the file rotates the keys."""
    path = Path(urllib.request.url2pathname(urlsplit(jwks_uri).path))

    def key_for(token: str):
        kid = jwt.get_unverified_header(token).get("kid")
        try:
            keys = jwt.PyJWKSet.from_json(path.read_text()).keys
        except (OSError, jwt.PyJWTError) as error:
            log.warning("the signing keys cannot be read: %s", type(error).__name__)
            raise TokenRefused("the signing keys cannot be read now") from None
        for key in keys:
            if key.key_id == kid:
                return key.key
        raise TokenRefused("the token is signed with a key this installation does not know")

    return key_for


def discover_jwks_uri(issuer: str) -> str:
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (configured by the operator)
        return json.load(answer)["jwks_uri"]


def verifier_from_env() -> Verifier:
    issuer = config.env("PEERNET_OIDC_ISSUER", "")
    if not issuer:
        return development_verifier()
    audience = config.env("PEERNET_OIDC_AUDIENCE", "")
    if not audience:
        raise ValueError("PEERNET_OIDC_AUDIENCE must be set with PEERNET_OIDC_ISSUER")
    return oidc_verifier(issuer, audience, config.env("PEERNET_OIDC_JWKS_URI", "") or None,
                         config.env("PEERNET_OIDC_DEFAULT_ROLE", "person"))
