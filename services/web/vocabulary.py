"""The lists the pages offer (experiences, languages, modalities, regions), with their
English and Spanish labels, as the gateway publishes them at `GET /vocabularies`.
Kept for five minutes: they change with a state's data, not with each request."""
from __future__ import annotations

import threading
import time

from flask import current_app, g

from services.web.gateway import Gateway

KEEP_SECONDS = 300


class Vocabulary:
    def __init__(self, gateway_url: str, http):
        self.gateway = Gateway(gateway_url, None, http)
        self._lists: dict | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def _all(self) -> dict:
        with self._lock:
            if self._lists is None or time.monotonic() - self._read_at > KEEP_SECONDS:
                self._lists = self.gateway.get("/vocabularies")
                self._read_at = time.monotonic()
            return self._lists

    def choices(self, name: str) -> list[tuple[str, str]]:
        """(value, label in the page's language) for a form's options, in the list's order."""
        locale = getattr(g, "locale", "en")
        return [(_key(item), _label(item, locale)) for item in self._all().get(name, [])]

    def label(self, name: str, key: str) -> str:
        return dict(self.choices(name)).get(key, key)

    def labels(self, name: str, keys) -> list[str]:
        known = dict(self.choices(name))
        return [known.get(key, key) for key in keys or ()]


def _key(item) -> str:
    return item if isinstance(item, str) else (item.get("id") or item.get("code"))


def _label(item, locale: str) -> str:
    if isinstance(item, str):
        return item
    label = item.get("label", _key(item))
    return label.get(locale) or label.get("en") if isinstance(label, dict) else label


def vocabulary() -> Vocabulary:
    """The application's lists."""
    return current_app.extensions["peernet_vocabulary"]
