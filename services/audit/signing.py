"""Signed checkpoints: an Ed25519 signature over (seq, hash) of the ledger's head.

The state keeps the checkpoints and the public key elsewhere; anyone who
rewrites the ledger and recomputes the whole chain still cannot produce a
checkpoint that verifies. The key comes from PEERNET_AUDIT_SIGNING_KEY (the
raw 32-byte private key, base64), or a development key generated into var/.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared import config

RAW = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


def new_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def signing_key(configured: str = "") -> str:
    """The key configured (Settings.signing_key), else the development key kept in var/."""
    # The same write-then-link dance as the other development keys in var/.
    return configured.strip() or config.development_key("audit_signing.key", new_key)


def checkpoint_message(seq: int, hash_: str, kind: str = "checkpoint") -> bytes:
    """kind: "checkpoint" (the chain's head), or "seal:<source>" (the digests kept of a source's events)."""
    return f"peernet-audit-{kind}:{seq}:{hash_}".encode()


class Signer:
    def __init__(self, private_key_b64: str):
        self.private_key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key_b64))
        public = self.private_key.public_key().public_bytes(**RAW)
        self.public_key = base64.b64encode(public).decode()
        self.key_id = key_id(self.public_key)

    def sign(self, seq: int, hash_: str, kind: str = "checkpoint") -> str:
        return base64.b64encode(self.private_key.sign(checkpoint_message(seq, hash_, kind))).decode()


def key_id(public_key_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:16]


def signature_valid(public_key_b64: str, seq: int, hash_: str, signature_b64: str,
                    kind: str = "checkpoint") -> bool:
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
    try:
        public.verify(base64.b64decode(signature_b64), checkpoint_message(seq, hash_, kind))
    except (InvalidSignature, ValueError):
        return False
    return True
