"""Signed callers: who is calling, as the network vouches for it, for one service and one minute.

A call on the bus (shared.calls' messages, nameko RPC's context data) carries
its caller as `<payload>.<signature>`: the payload is the caller, the
audience (the service called, or `*`) and an expiry, in base64url JSON; the
signature is Ed25519 over the payload. A service acts only on a caller that
verifies (shared.calls.caller_of, shared.service.CallerProvider); anything
else, a plain caller included, is no caller, and the call is refused as one
without a caller always was. Holding the broker's credentials (a leaked AMQP
password, a shell on the broker, a monitoring tool) is no longer enough to
act as someone: one needs the signing key.

One keypair for the network, the simplest design that closes that hole: the
processes that sign hold the private key (the gateway, the services for
their catch-up reads and audit's reads, the tools: make demo, bench, the
tests' RPC helpers); a process that only verifies may be given the public
key alone. Whoever holds the private key can act as anyone, `system`
included, so it is kept apart from the broker's credentials. The gateway
signs each caller it verified from a bearer token for the one service it
calls; nameko's RPC proxies carry one context for every service they call,
so the tools' callers are for any service (`*`). A signed caller is good for
LIFETIME seconds: one copied off the bus can be replayed for at most that
long, to the service it names.

Keys come from the environment (`PEERNET_SIGNING_KEY`: the raw 32-byte
Ed25519 private key in base64url; `PEERNET_SIGNING_PUBLIC_KEY` for a process
that only verifies). In development the key is generated into
var/signing.key as the other development keys are, and shared.network hands
its own to every process it starts, so that the network and the tools that
started it agree.

Costs, since hundreds of calls a second carry one: a signature is made once
per caller and service and kept while it has more than half its life left
(the calls path sends the request's correlation id beside the signed
caller, so a gateway signs once per caller and service, not per request);
a verification (about 50 us) is kept for the token it read,
its expiry and audience checked on each use; the parsed key is kept.
"""
from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared import config

ANY_SERVICE = "*"
LIFETIME = 60.0  # seconds a signed caller is good for


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    return _encode(Ed25519PrivateKey.generate().private_bytes_raw())


@functools.cache
def private_key_text() -> str:
    """The private key as the environment gives it, or the development one in var/."""
    return os.environ.get("PEERNET_SIGNING_KEY", "").strip() or config.development_key("signing.key", new_key)


@functools.cache
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_decode(private_key_text()))


@functools.cache
def public_key() -> Ed25519PublicKey:
    given = os.environ.get("PEERNET_SIGNING_PUBLIC_KEY", "").strip()
    return Ed25519PublicKey.from_public_bytes(_decode(given)) if given else private_key().public_key()


def environment() -> dict[str, str]:
    """The key, for the processes a Network starts (development and tests)."""
    return {"PEERNET_SIGNING_KEY": private_key_text()}


def sign(caller: dict, audience: str, now: float | None = None) -> str:
    payload = _encode(json.dumps({"c": caller, "aud": audience, "exp": int((now or time.time()) + LIFETIME)},
                                 separators=(",", ":")).encode())
    return f"{payload}.{_encode(private_key().sign(payload.encode('ascii')))}"


class Signer:
    """Signs callers, keeping each signature while it has more than half its life left."""

    def __init__(self):
        self.kept: dict[tuple, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def token(self, caller: dict, audience: str) -> str:
        key = (tuple(sorted(caller.items())), audience)
        now = time.time()
        with self.lock:
            kept = self.kept.get(key)
            if kept is not None and kept[1] > now + LIFETIME / 2:
                return kept[0]
        token = sign(caller, audience, now)
        with self.lock:
            if len(self.kept) > 10_000:  # callers come and go: let the old ones go
                self.kept.clear()
            self.kept[key] = (token, now + LIFETIME)
        return token


class SignedContext(dict):
    """nameko's context data for a standalone proxy, its caller signed afresh as needed, for any service.

    nameko copies the context data for every call it sends (WorkerContext.context_data), so a
    proxy kept open for longer than a signature lives still sends a valid one.
    """

    def __init__(self, caller: dict, signer: Signer | None = None):
        super().__init__()
        self.caller, self.signer = caller, signer or Signer()

    def copy(self) -> dict:
        return {**self, "caller": self.signer.token(self.caller, ANY_SERVICE)}


def verified(token, audience: str, now: float | None = None) -> dict | None:
    """The caller a token vouches for, for `audience`; None when unsigned, badly signed, expired or for another."""
    # The length first: a token is a few hundred characters, and the cache below keeps what it is given.
    body = _read(token) if isinstance(token, str) and len(token) <= 4096 else None
    if body is None or body["exp"] <= (now or time.time()) or body["aud"] not in (audience, ANY_SERVICE):
        return None
    return body["c"]


@functools.lru_cache(maxsize=4096)
def _read(token: str) -> dict | None:
    """The payload when the signature holds; expiry and audience are for the caller to check."""
    payload, dot, signature = token.partition(".")
    if not dot:
        return None
    try:
        public_key().verify(_decode(signature), payload.encode("ascii"))
        body = json.loads(_decode(payload))
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return None
    if not (isinstance(body, dict) and isinstance(body.get("c"), dict) and isinstance(body.get("aud"), str)
            and isinstance(body.get("exp"), int) and not isinstance(body.get("exp"), bool)):
        return None
    return body
