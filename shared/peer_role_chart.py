"""Check a peer worker's duty list against the handbook's "Is that really part of a 'peer' role?" chart.

The chart is data, shared/data/peer_role_chart.json, so the people who know the field can
correct it without touching code; it lives in shared because directory checks duty lists
against it and the gateway publishes it (`GET /peer-role-chart`). Each chart duty carries
the chart's reasons (power imbalance, agenda, busy work), the handbook's why, and the
consistent alternative.
Every text has its Spanish beside it in the file (`duty_es`, `why_es`, `alternative_es`,
`reasons_es`, `reason_names_es`), checked at load; matching reads the English phrases only.
`chart_document` and `refusal_document` give the texts as `{"en": ..., "es": ...}` for the API.

Matching works on normalized words, not substrings: lowercase, punctuation collapsed to
spaces, "'s" and articles dropped, and a plural "s"/"es"/"ies" tolerated. A phrase may hold
"*" for exactly one word ("clean * apartment" matches "clean their apartment"). Single words
like "medication" or "assessment" are never phrases on their own, because the consistent
side of the chart uses them too (talking with a prescriber about medication, being present
during an assessment).

Two escape hatches come straight from the chart's consistent column:
- "unless": phrases that show the consistent form of the same task ("occasionally", "the
  peer warmline", "support them at the appointment") cancel that duty's match;
- "ok_at_their_request": for rides, cleaning, visits, job and housing searches and reading
  files, the chart says the same task is fine when the person asked, so a request marker
  ("at their request", "when they ask") cancels the match too.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from collections.abc import Mapping, Sequence

CHART_PATH = Path(__file__).with_name("data") / "peer_role_chart.json"

WILDCARD = "*"
# Articles carry no meaning for matching; dropping them lets "answer the phones" meet "answer phones".
ARTICLES = frozenset({"a", "an", "the"})

Words = tuple[str, ...]


@dataclass(frozen=True)
class RefusedDuty:
    """One line of a duty list the chart says is not a peer role, and why."""

    duty_text: str
    code: str
    duty: str
    reasons: tuple[str, ...]
    why: str
    alternative: str | None
    duty_es: str
    why_es: str
    alternative_es: str | None


@dataclass(frozen=True)
class ChartDuty:
    code: str
    duty: str
    reasons: tuple[str, ...]
    why: str
    alternative: str | None
    duty_es: str
    why_es: str
    alternative_es: str | None
    phrases: tuple[str, ...]
    unless: tuple[str, ...]
    ok_at_their_request: bool
    # Normalized forms, computed once at load.
    phrase_words: tuple[Words, ...]
    unless_words: tuple[Words, ...]


@dataclass(frozen=True)
class Chart:
    version: int
    source: str
    reasons: Mapping[str, str]
    duties: tuple[ChartDuty, ...]
    at_their_request: tuple[Words, ...]
    reasons_es: Mapping[str, str]
    reason_names: Mapping[str, str]  # the chart's short names: "power imbalance", "agenda", "busy work"
    reason_names_es: Mapping[str, str]

    def duty(self, code: str) -> ChartDuty:
        for duty in self.duties:
            if duty.code == code:
                return duty
        raise KeyError(code)


def normalize(text: str) -> Words:
    """Lowercase words of a duty text, punctuation collapsed, possessives and articles dropped."""
    return _words(text, keep_wildcard=False)


def _words(text: str, *, keep_wildcard: bool) -> Words:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    # "the person's file" -> "person file"; "don't" -> "dont", so contractions stay one word.
    text = re.sub(r"'s\b", "", text).replace("'", "")
    allowed = r"[^a-z0-9*]+" if keep_wildcard else r"[^a-z0-9]+"
    return tuple(word for word in re.sub(allowed, " ", text).split() if word not in ARTICLES)


def _same_word(pattern: str, word: str) -> bool:
    if pattern == WILDCARD or pattern == word:
        return True
    # Singular and plural both ways, so phrases can be written in either form.
    for a, b in ((pattern, word), (word, pattern)):
        if b in (a + "s", a + "es") or (a.endswith("y") and b == a[:-1] + "ies"):
            return True
    return False


def _spans(pattern: Words, words: Words) -> list[tuple[int, int]]:
    size = len(pattern)
    return [
        (start, start + size)
        for start in range(len(words) - size + 1)
        if all(_same_word(p, w) for p, w in zip(pattern, words[start : start + size]))
    ]


def _contains_any(patterns: Sequence[Words], words: Words) -> bool:
    return any(_spans(pattern, words) for pattern in patterns)


@functools.cache
def load_chart() -> Chart:
    """The chart, read and checked once per process."""
    raw = json.loads(CHART_PATH.read_text(encoding="utf-8"))
    reasons = dict(raw["reasons"])
    for name in ("reasons_es", "reason_names", "reason_names_es"):
        if set(raw[name]) != set(reasons) or not all(isinstance(v, str) and v.strip() for v in raw[name].values()):
            raise ValueError(f"chart {name} must give a text for each of the reasons {sorted(reasons)}")
    duties = []
    seen: set[str] = set()
    for item in raw["duties"]:
        code = item["code"]
        if code in seen:
            raise ValueError(f"chart duty {code!r} is listed twice")
        seen.add(code)
        unknown = [reason for reason in item["reasons"] if reason not in reasons]
        if unknown or not item["reasons"]:
            raise ValueError(f"chart duty {code!r} has reasons {item['reasons']!r} not in the chart's reasons")
        _check_spanish(item)
        phrases = tuple(item["phrases"])
        unless = tuple(item.get("unless", ()))
        phrase_words = tuple(_checked_words(code, phrase) for phrase in phrases)
        duties.append(
            ChartDuty(
                code=code,
                duty=item["duty"],
                reasons=tuple(item["reasons"]),
                why=item["why"],
                alternative=item.get("alternative"),
                duty_es=item["duty_es"],
                why_es=item["why_es"],
                alternative_es=item.get("alternative_es"),
                phrases=phrases,
                unless=unless,
                ok_at_their_request=bool(item.get("ok_at_their_request", False)),
                phrase_words=phrase_words,
                unless_words=tuple(_checked_words(code, phrase) for phrase in unless),
            )
        )
    return Chart(
        version=int(raw["version"]),
        source=raw["source"],
        reasons=MappingProxyType(reasons),
        duties=tuple(duties),
        at_their_request=tuple(_checked_words("at_their_request", p) for p in raw.get("at_their_request", ())),
        reasons_es=MappingProxyType(dict(raw["reasons_es"])),
        reason_names=MappingProxyType(dict(raw["reason_names"])),
        reason_names_es=MappingProxyType(dict(raw["reason_names_es"])),
    )


def _check_spanish(item: dict) -> None:
    """Every English text of a chart duty has its Spanish beside it, and only those do."""
    for key in ("duty", "why", "alternative"):
        english, spanish = item.get(key), item.get(f"{key}_es")
        if (english is None) != (spanish is None) or (spanish is not None and not spanish.strip()):
            raise ValueError(f"chart duty {item['code']!r}: {key}_es must be given exactly where {key} is")


def _checked_words(code: str, phrase: str) -> Words:
    if phrase != phrase.lower():
        raise ValueError(f"chart phrase {phrase!r} for {code!r} must be lowercase")
    words = _words(phrase, keep_wildcard=True)
    if not words or all(word == WILDCARD for word in words):
        raise ValueError(f"chart phrase {phrase!r} for {code!r} has no words to match")
    return words


def chart_version() -> int:
    return load_chart().version


def _matches(duty: ChartDuty, words: Words) -> list[tuple[int, int]]:
    spans = [span for pattern in duty.phrase_words for span in _spans(pattern, words)]
    if not spans:
        return []
    # The consistent side of the chart: same task, done on the person's terms.
    if _contains_any(duty.unless_words, words):
        return []
    if duty.ok_at_their_request and _contains_any(load_chart().at_their_request, words):
        return []
    return spans


def _refusals_for(text: str, chart: Chart) -> list[RefusedDuty]:
    words = normalize(text)
    found: list[tuple[int, int, int, ChartDuty]] = []  # (-length, chart order, start, duty)
    for order, duty in enumerate(chart.duties):
        for start, end in _matches(duty, words):
            found.append((-(end - start), order, start, duty))
    # Longest phrase wins where phrases overlap ("report on medication compliance" is about
    # reporting, not the "medication compliance" inside it); separate tasks on one line
    # ("answer phones and triage calls") are each reported.
    taken: list[tuple[int, int]] = []
    kept: dict[str, tuple[int, ChartDuty]] = {}
    for negative_length, _order, start, duty in sorted(found, key=lambda f: (f[0], f[1], f[2])):
        end = start - negative_length
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        if duty.code not in kept or start < kept[duty.code][0]:
            kept[duty.code] = (start, duty)
    return [
        RefusedDuty(
            duty_text=text,
            code=duty.code,
            duty=duty.duty,
            reasons=duty.reasons,
            why=duty.why,
            alternative=duty.alternative,
            duty_es=duty.duty_es,
            why_es=duty.why_es,
            alternative_es=duty.alternative_es,
        )
        for _start, duty in sorted(kept.values(), key=lambda kept_duty: kept_duty[0])
    ]


def check_duties(duty_texts: list[str]) -> list[RefusedDuty]:
    """The lines of a duty list that the chart says are not a peer role, in input order.

    Acceptable lines are left out. A line naming two separate refused tasks yields one
    RefusedDuty for each, in the order they appear in the line.
    """
    chart = load_chart()
    refused: list[RefusedDuty] = []
    for text in duty_texts:
        refused.extend(_refusals_for(text, chart))
    return refused


# -- the chart as the API gives it: every text in English and Spanish --------------------------


def _texts(english: str | None, spanish: str | None) -> dict | None:
    return None if english is None else {"en": english, "es": spanish}


def reason_entry(code: str) -> dict:
    chart = load_chart()
    return {"code": code, "name": _texts(chart.reason_names[code], chart.reason_names_es[code])}


def _duty_entry(duty: ChartDuty | RefusedDuty) -> dict:
    return {"code": duty.code, "duty": _texts(duty.duty, duty.duty_es),
            "reasons": [reason_entry(code) for code in duty.reasons],
            "why": _texts(duty.why, duty.why_es), "alternative": _texts(duty.alternative, duty.alternative_es)}


def chart_document() -> dict:
    """The whole chart for readers: its reasons and duties, each text as {"en", "es"}; no matching phrases."""
    chart = load_chart()
    return {
        "version": chart.version,
        "source": chart.source,
        "reasons": [{**reason_entry(code), "description": _texts(text, chart.reasons_es[code])}
                    for code, text in chart.reasons.items()],
        "duties": [{**_duty_entry(duty), "ok_at_their_request": duty.ok_at_their_request} for duty in chart.duties],
    }


def refusal_document(field: str, index: int, refused: RefusedDuty) -> dict:
    """One refused line of a duty list, as the API gives it beside the field's English message."""
    return {"field": f"{field}.{index}", "index": index, "text": refused.duty_text, **_duty_entry(refused)}
