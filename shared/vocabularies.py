"""What pages offer in lists, with English and Spanish labels, all from data files in shared/data:
lived experiences, languages (BCP 47 codes), ways of meeting, and the state's regions."""
from __future__ import annotations

import json
from pathlib import Path

from shared.contracts.intake import MODALITIES
from shared.languages import LANGUAGES, LANGUAGES_VERSION

_DATA = Path(__file__).parent / "data"
_EXPERIENCES = json.loads((_DATA / "experiences.json").read_text())
_MODALITIES = json.loads((_DATA / "modalities.json").read_text())
_REGIONS = json.loads((_DATA / "regions.json").read_text())

if tuple(m["id"] for m in _MODALITIES["modalities"]) != MODALITIES:
    raise ValueError("shared/data/modalities.json must list exactly the contracts' modalities, in order")

# One version for the whole answer: it changes when any list does (pages may cache by it).
VERSION = (f"experiences-{_EXPERIENCES['version']}.languages-{LANGUAGES_VERSION}."
           f"modalities-{_MODALITIES['version']}.regions-{_REGIONS['version']}")


def vocabularies() -> dict:
    return {
        "version": VERSION,
        "experiences": [{"id": e["code"], "label": {"en": e["label"], "es": e["label_es"]}}
                        for e in _EXPERIENCES["experiences"]],
        "languages": [{"code": entry["code"], "label": dict(entry["label"])} for entry in LANGUAGES],
        "modalities": [{"id": m["id"], "label": dict(m["label"])} for m in _MODALITIES["modalities"]],
        "regions": [{"id": r["id"], "label": dict(r["label"])} for r in _REGIONS["regions"]],
    }
