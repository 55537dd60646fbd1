"""Check a peer worker's duty list against the handbook's "Is that really part of a 'peer' role?" chart.

The chart is data, shared/data/peer_role_chart.json, so the people who know the field can
correct it without touching code; it lives in shared because directory checks duty lists
against it and the gateway publishes it (`GET /peer-role-chart`). Each chart duty carries
the chart's reasons (power imbalance, agenda, busy work), the handbook's why, and the
consistent alternative.
Every text has its Spanish beside it in the file (`duty_es`, `why_es`, `alternative_es`,
`reasons_es`, `reason_names_es`), and so does every matching phrase (`phrases_es`, `unless_es`,
`at_their_request_es`), all checked at load: an admin may write duties in either language, or
mix them on one line, and each line is checked against both.
`chart_document` and `refusal_document` give the texts as `{"en": ..., "es": ...}` for the API.

Matching works on normalized words, not substrings: lowercase, punctuation collapsed to
spaces, and a plural tolerated. A phrase may hold "*" for exactly one word ("clean *
apartment" matches "clean their apartment"; "limpiar * apartamento", "limpiar su
apartamento"). Single words like "medication" or "assessment" ("medicamentos", "evaluación")
are never phrases on their own, because the consistent side of the chart uses them too
(talking with a prescriber about medication, being present during an assessment).
- English: "'s" and the articles a, an, the dropped; plural "s"/"es"/"ies". Letters outside a-z
  (accents included) separate words, as they always have.
- Spanish: accents folded (é = e, ü = u) and ñ folded to n too, consistently in phrases and lines,
  because admins typing on an English keyboard drop the tilde as often as the accents and no
  phrase of the chart turns on it; the articles el, la, los, las, un, una, unos, unas dropped and
  del, al read as de, a ("administración de los medicamentos" = "administración del
  medicamento" = "administracion de medicamentos"); "él" (he) is not an article, since articles
  are recognized before accents are folded; plural "s"/"es" and z -> "ces" ("vez", "veces").
Where phrases of either language overlap on a line, the longest wins; refusals come in the
order they appear in the line, whatever language they are written in.

Two escape hatches come straight from the chart's consistent column:
- "unless": phrases that show the consistent form of the same task ("occasionally", "the
  peer warmline", "support them at the appointment") cancel that duty's match;
- "ok_at_their_request": for rides, cleaning, visits, job and housing searches and reading
  files, the chart says the same task is fine when the person asked, so a request marker
  ("at their request", "when they ask"; "a petición de la persona", "cuando lo pida") cancels
  the match too.
Either language's markers cancel a match in either language, since one line may mix them.
"""
from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from collections.abc import Mapping, Sequence

CHART_PATH = Path(__file__).with_name("data") / "peer_role_chart.json"

WILDCARD = "*"
# Articles carry no meaning for matching; dropping them lets "answer the phones" meet "answer phones".
ARTICLES = frozenset({"a", "an", "the"})
SPANISH_ARTICLES = frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas"})
SPANISH_CONTRACTIONS = MappingProxyType({"del": "de", "al": "a"})

Words = tuple[str, ...]
# A word of a line and where it sits in the line (its first character, and one past its last),
# so matches in the two languages, whose words are cut differently, can be ordered and compared.
Located = tuple[tuple[str, int, int], ...]


def _plural_forms(singular_end: str, plural_end: str, word: str) -> frozenset[str]:
    """The words that match a phrase's word: itself, and its singular or plural ("s", "es", and
    the language's own pair: English "y"/"ies", Spanish "z"/"ces" as in "vez"/"veces")."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("s"):
        forms.add(word[:-1])
    if word.endswith("es"):
        forms.add(word[:-2])
    if word.endswith(singular_end):
        forms.add(word[:-len(singular_end)] + plural_end)
    if word.endswith(plural_end):
        forms.add(word[:-len(plural_end)] + singular_end)
    return frozenset(forms)


@dataclass(frozen=True)
class Language:
    code: str
    # Singular and plural both ways, so phrases can be written in either form.
    forms: Callable[[str], frozenset[str]]


ENGLISH = Language("en", functools.partial(_plural_forms, "y", "ies"))
SPANISH = Language("es", functools.partial(_plural_forms, "z", "ces"))
LANGUAGES = (ENGLISH, SPANISH)


@dataclass(frozen=True)
class Pattern:
    """A phrase of the chart in its language, as normalized words."""

    language: Language
    words: Words
    forms: tuple[frozenset[str], ...]  # for each word, the words of a line it matches; empty for "*"
    anchor: int  # its first word that is not "*": where a line's index is looked up


@dataclass(frozen=True)
class Reading:
    """A line read in one language: its words in order, and where each word is."""

    words: Located
    index: Mapping[str, tuple[int, ...]]


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
    phrases_es: tuple[str, ...]
    unless_es: tuple[str, ...]
    ok_at_their_request: bool
    # Normalized forms of both languages, computed once at load.
    phrase_patterns: tuple[Pattern, ...]
    unless_patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class Chart:
    version: int
    source: str
    reasons: Mapping[str, str]
    duties: tuple[ChartDuty, ...]
    at_their_request: tuple[Pattern, ...]  # English and Spanish
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
    return _words(text, ENGLISH, keep_wildcard=False)


def normalize_es(text: str) -> Words:
    """The Spanish reading of a duty text: lowercase, accents and ñ folded, articles dropped, del/al as de/a."""
    return _words(text, SPANISH, keep_wildcard=False)


def _words(text: str, language: Language, *, keep_wildcard: bool) -> Words:
    return tuple(word for word, _start, _end in _located(text, language, keep_wildcard=keep_wildcard))


def _located(text: str, language: Language, *, keep_wildcard: bool) -> Located:
    # Lowercased character by character, so every character keeps the place it came from.
    chars = [(low, at) for at, char in enumerate(text) for low in char.lower()]
    lowered = "".join(char for char, _ in chars).replace("\u2019", "'").replace("\u2018", "'")
    # "the person's file" -> "person file"; "don't" -> "dont", so contractions stay one word.
    possessive = {at for found in re.finditer(r"'s\b", lowered) for at in range(found.start(), found.end())}
    kept = [(char, chars[at][1]) for at, char in enumerate(lowered) if at not in possessive and char != "'"]
    allowed = "abcdefghijklmnopqrstuvwxyz0123456789" + (WILDCARD if keep_wildcard else "")
    if language is ENGLISH:
        return tuple(_english_words(kept, allowed))
    return tuple(_spanish_words(kept, allowed))


def _runs(kept: list[tuple[str, int]], belongs: Callable[[str], bool]):
    run: list[tuple[str, int]] = []
    for char, at in [*kept, (" ", -1)]:
        if belongs(char):
            run.append((char, at))
        elif run:
            yield run
            run = []


def _english_words(kept, allowed):
    for run in _runs(kept, lambda char: char in allowed):
        word = "".join(char for char, _ in run)
        if word not in ARTICLES:
            yield word, run[0][1], run[-1][1] + 1


def _fold(char: str) -> str:
    return "".join(part for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part))


def _spanish_words(kept, allowed):
    # A letter belongs to a word when it folds to a-z or 0-9 (é, ñ, ü), or is an accent typed apart.
    def belongs(char: str) -> bool:
        folded = _fold(char)
        return (bool(folded) and all(part in allowed for part in folded)) or unicodedata.combining(char) > 0

    for run in _runs(kept, belongs):
        written = "".join(char for char, _ in run)
        if written in SPANISH_ARTICLES:  # before folding: "él" (he) is no article
            continue
        word = SPANISH_CONTRACTIONS.get(written) or "".join(_fold(char) for char in written)
        if word:
            yield word, run[0][1], run[-1][1] + 1


def _reading(text: str, language: Language) -> Reading:
    words = _located(text, language, keep_wildcard=False)
    index: dict[str, list[int]] = {}
    for at, (word, _start, _end) in enumerate(words):
        index.setdefault(word, []).append(at)
    return Reading(words, {word: tuple(places) for word, places in index.items()})


def _spans(pattern: Pattern, line: Reading) -> list[tuple[int, int, int]]:
    """Where the pattern is in the line: (its number of words, first character, end character)."""
    size, words = len(pattern.words), line.words
    starts = sorted({at - pattern.anchor for form in pattern.forms[pattern.anchor] for at in line.index.get(form, ())})
    return [
        (size, words[start][1], words[start + size - 1][2])
        for start in starts
        if 0 <= start and start + size <= len(words)
        and all(not forms or word in forms for forms, (word, _, _) in zip(pattern.forms, words[start : start + size]))
    ]


def _contains_any(patterns: Sequence[Pattern], line: Mapping[Language, Reading]) -> bool:
    return any(_spans(pattern, line[pattern.language]) for pattern in patterns)


@functools.cache
def load_chart() -> Chart:
    """The chart, read and checked once per process."""
    raw = json.loads(CHART_PATH.read_text(encoding="utf-8"))
    reasons = dict(raw["reasons"])
    for name in ("reasons_es", "reason_names", "reason_names_es"):
        if set(raw[name]) != set(reasons) or not all(isinstance(v, str) and v.strip() for v in raw[name].values()):
            raise ValueError(f"chart {name} must give a text for each of the reasons {sorted(reasons)}")
    _check_spanish_phrases("at_their_request", raw, required=True)
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
        phrases, phrases_es = tuple(item["phrases"]), tuple(item["phrases_es"])
        unless, unless_es = tuple(item.get("unless", ())), tuple(item.get("unless_es", ()))
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
                phrases_es=phrases_es,
                unless_es=unless_es,
                ok_at_their_request=bool(item.get("ok_at_their_request", False)),
                phrase_patterns=_patterns(code, phrases, phrases_es),
                unless_patterns=_patterns(code, unless, unless_es),
            )
        )
    return Chart(
        version=int(raw["version"]),
        source=raw["source"],
        reasons=MappingProxyType(reasons),
        duties=tuple(duties),
        at_their_request=_patterns("at_their_request", raw.get("at_their_request", ()),
                                   raw.get("at_their_request_es", ())),
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
    _check_spanish_phrases("phrases", item, required=True)
    _check_spanish_phrases("unless", item, required=False)


def _check_spanish_phrases(key: str, item: dict, *, required: bool) -> None:
    """Phrases in Spanish exactly where there are phrases in English: a list of non-blank texts."""
    english, spanish = item.get(key), item.get(f"{key}_es")
    where = f"chart duty {item['code']!r}" if "code" in item else "chart"
    given = isinstance(spanish, list) and bool(spanish) and all(isinstance(p, str) and p.strip() for p in spanish)
    if (required or english) and not given or (spanish is not None and not english):
        raise ValueError(f"{where}: {key}_es must be given exactly where {key} is, as a list of phrases")


def _patterns(code: str, english: Sequence[str], spanish: Sequence[str]) -> tuple[Pattern, ...]:
    return (*(_checked(code, phrase, ENGLISH) for phrase in english),
            *(_checked(code, phrase, SPANISH) for phrase in spanish))


def _checked(code: str, phrase: str, language: Language) -> Pattern:
    if phrase != phrase.lower():
        raise ValueError(f"chart phrase {phrase!r} for {code!r} must be lowercase")
    words = _words(phrase, language, keep_wildcard=True)
    if not words or all(word == WILDCARD for word in words):
        raise ValueError(f"chart phrase {phrase!r} for {code!r} has no words to match")
    forms = tuple(frozenset() if word == WILDCARD else language.forms(word) for word in words)
    return Pattern(language, words, forms, next(at for at, word in enumerate(words) if word != WILDCARD))


def chart_version() -> int:
    return load_chart().version


def _line(text: str) -> dict[Language, Reading]:
    return {language: _reading(text, language) for language in LANGUAGES}


def _matches(duty: ChartDuty, line: Mapping[Language, Reading]) -> list[tuple[int, int, int]]:
    spans = [span for pattern in duty.phrase_patterns for span in _spans(pattern, line[pattern.language])]
    if not spans:
        return []
    # The consistent side of the chart: same task, done on the person's terms, in either language.
    if _contains_any(duty.unless_patterns, line):
        return []
    if duty.ok_at_their_request and _contains_any(load_chart().at_their_request, line):
        return []
    return spans


def _refusals_for(text: str, chart: Chart) -> list[RefusedDuty]:
    line = _line(text)
    found: list[tuple[int, int, int, int, ChartDuty]] = []  # (-words, chart order, start, end, duty)
    for order, duty in enumerate(chart.duties):
        for size, start, end in _matches(duty, line):
            found.append((-size, order, start, end, duty))
    # Longest phrase wins where phrases overlap ("report on medication compliance" is about
    # reporting, not the "medication compliance" inside it); separate tasks on one line
    # ("answer phones and triage calls") are each reported. Places are characters of the line,
    # so an English and a Spanish phrase are compared as well as two of one language.
    taken: list[tuple[int, int]] = []
    kept: dict[str, tuple[int, ChartDuty]] = {}
    for _size, _order, start, end, duty in sorted(found, key=lambda f: (f[0], f[1], f[2])):
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
