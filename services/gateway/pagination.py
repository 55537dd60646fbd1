"""Opaque cursors: a page's next_cursor is all a client needs for the next page.

Lists that grow with the network are paged inside the service, which reads no more than the page: a
keyset page (`keyset_query`, or `key_query` for a key of one value: the key of the page's last item).
`page` slices a list the service answers whole, for the lists that are one person's or one record's."""
from __future__ import annotations

import base64
import binascii
import json

from services.gateway.problems import Problem


def encode(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def bad_cursor(messages=("use next_cursor from the previous page",)) -> Problem:
    """A cursor this API did not give out, or one whose position the service cannot place: 422 naming it."""
    return Problem(422, "the cursor is not one this API gave out",
                   errors=[{"field": "cursor", "message": message} for message in messages])


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
        raise bad_cursor()
    return position


def page(items: list, query: dict) -> dict:
    """One page of a list a service answers whole: the cursor is the index of the next item."""
    start = (decode(query.get("cursor"), {"index": int}) or {"index": 0})["index"]
    end = start + query["limit"]
    return {"items": items[start:end], "next_cursor": encode({"index": end}) if end < len(items) else None}


def keyset_query(query: dict, size: int = 2) -> dict:
    """A service's keyset page for this cursor: the filters as given, `after` the last key of the page before
    (`size` texts, as the list's keys have)."""
    after = (decode(query.get("cursor"), {"after": list}) or {"after": None})["after"]
    if after is not None and not (len(after) == size and all(isinstance(key, str) for key in after)):
        raise bad_cursor()
    return {**{k: v for k, v in query.items() if k != "cursor"}, "after": after}


def key_query(query: dict, kind: type) -> dict:
    """As keyset_query, for a list whose key is one value of the given type (a seq, an id): `after` that value."""
    after = (decode(query.get("cursor"), {"after": kind}) or {"after": None})["after"]
    return {**{k: v for k, v in query.items() if k != "cursor"}, "after": after}


def from_keyset_page(answer: dict) -> dict:
    """A service's {items, next_after} as {items, next_cursor}."""
    after = answer["next_after"]
    return {"items": answer["items"], "next_cursor": None if after is None else encode({"after": after})}
