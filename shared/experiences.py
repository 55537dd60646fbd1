"""The versioned list of lived experiences items may be shared from (data, not code)."""
import json
from pathlib import Path

_LIST = json.loads((Path(__file__).parent / "data" / "experiences.json").read_text())

EXPERIENCES_VERSION: int = _LIST["version"]
EXPERIENCE_LABELS: dict[str, str] = {e["code"]: e["label"] for e in _LIST["experiences"]}
EXPERIENCE_CODES: tuple[str, ...] = tuple(EXPERIENCE_LABELS)
VISIBILITIES = ("private", "matching", "network")
