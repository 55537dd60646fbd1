"""Opaque cursors: a page's next_cursor is all a client needs for the next page."""
from __future__ import annotations

import base64
import binascii
import json

from services.gateway.problems import Problem


def encode(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, keys: dict[str, type]) -> dict | None:
    """The position a cursor stands for, each key of the given type; 422 when it is not one of ours."""
    if cursor is None:
        return None
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        position = None
    if not isinstance(position, dict) or set(position) != set(keys) or not all(
            type(position[key]) is kind for key, kind in keys.items()):
        raise Problem(422, "the cursor is not one this API gave out",
                      errors=[{"field": "cursor", "message": "use next_cursor from the previous page"}])
    return position
