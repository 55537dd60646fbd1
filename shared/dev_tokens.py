"""Development tokens: HS256 with PEERNET_JWT_SECRET (or var/jwt.secret), accepted only by a gateway
without an identity provider configured. Here, not in the gateway, so that any process (the web
pages, the demo, the tests, `make token`) can mint one without importing the gateway.
"""
from __future__ import annotations

import secrets
import time

import jwt

from shared import config
from shared.identity import Claims

DEV_ISSUER = "peernet-development"
DEV_AUDIENCE = "peernet"
DEV_ALGORITHM = "HS256"


def development_secret() -> str:
    secret = config.env("PEERNET_JWT_SECRET", "")
    if secret:
        return secret
    # Same race-free helper the store keys use: every process reads one secret.
    return config.development_key("jwt.secret", lambda: secrets.token_urlsafe(48))


def mint_development_token(role: str, user_id: str, organization_id: str | None = None,
                           lifetime: int = 8 * 3600, secret: str | None = None) -> str:
    """A token the development verifier accepts; never valid against an identity provider.
    `sub` is the caller's peernet id as it is (an identity provider's subjects are derived instead)."""
    identity = Claims().load({"sub": user_id, "role": role, "organization_id": organization_id})
    now = int(time.time())
    role_claim, organization_claim = config.token_claim_names()
    claims = {"sub": identity["sub"], role_claim: identity["role"], "iss": DEV_ISSUER, "aud": DEV_AUDIENCE,
              "iat": now, "exp": now + lifetime}
    if identity["organization_id"]:
        claims[organization_claim] = identity["organization_id"]
    return jwt.encode(claims, secret or development_secret(), algorithm=DEV_ALGORITHM)
