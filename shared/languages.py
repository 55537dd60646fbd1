"""The versioned list of languages (shared/data/languages.json): BCP 47 codes with English and
Spanish names. Languages enter as a code or a known name and are stored and published as the
code, so "es" and "Spanish" are one language everywhere.

Events stored before codes carry names as people wrote them ("Spanish", "spanish"); readers
pass stored values through `normalized`, which gives the code for a known name and the
casefolded text otherwise, so old and new events compare alike without rewriting any.
"""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from marshmallow import ValidationError, fields

_LIST = json.loads((Path(__file__).parent / "data" / "languages.json").read_text())

LANGUAGES_VERSION: int = _LIST["version"]
LANGUAGES: list[dict] = [{"code": entry["code"], "label": dict(entry["label"])} for entry in _LIST["languages"]]
LANGUAGE_CODES: tuple[str, ...] = tuple(entry["code"] for entry in LANGUAGES)
ENGLISH_NAMES: dict[str, str] = {entry["code"]: entry["label"]["en"] for entry in LANGUAGES}


def _key(text: str) -> str:
    """Case, accents and spacing do not matter: "Español", "espanol", " ESPAÑOL " are one name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


_BY_KEY: dict[str, str] = {}
for _entry in _LIST["languages"]:
    for _name in (_entry["code"], *_entry["label"].values(), *_entry.get("aliases", ())):
        _BY_KEY[_key(_name)] = _entry["code"]
        _BY_KEY[_key(_name.split(" (")[0])] = _entry["code"]  # "Chinese (Mandarin)" -> also "Chinese"


def language_code(value: str) -> str | None:
    """The code for a code, a tag whose first subtag is a known code ("es-MX"), or a known English or
    Spanish name; None for anything else."""
    if not isinstance(value, str):
        return None
    key = _key(value)
    if key in _BY_KEY:
        return _BY_KEY[key]
    primary = key.replace("_", "-").split("-")[0]
    return primary if "-" in key.replace("_", "-") and primary in LANGUAGE_CODES else None


def normalized(value: str) -> str:
    """A stored value as a comparable code (old events may hold names, or text no list knows)."""
    return language_code(value) or _key(value)


def english_name(code: str) -> str:
    return ENGLISH_NAMES.get(code, code)


UNKNOWN = "unknown language {input!r}: send a BCP 47 code such as es, or its English or Spanish name " \
          "(GET /vocabularies lists them)"


class Language(fields.String):
    """A language in, its code out; an unknown one is refused naming the field."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        code = language_code(text)
        if code is None:
            raise ValidationError(UNKNOWN.format(input=text[:40]))
        return code


class Languages(fields.List):
    """A list of languages as codes, each once, in the order given."""

    def __init__(self, **kwargs):
        super().__init__(Language(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


def codes(values) -> list[str]:
    """Stored languages as codes, each once, in order (for answers read from older events too)."""
    return list(dict.fromkeys(normalized(value) for value in values))
