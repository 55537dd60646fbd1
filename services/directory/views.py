"""Paging for directory's lists (served from shared.views.ReplayedAggregates)."""
from __future__ import annotations


def page(items: list, offset: int, limit: int) -> dict:
    return {"items": items[offset:offset + limit], "total": len(items), "offset": offset, "limit": limit}
