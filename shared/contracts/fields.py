"""Field types every contract uses: text, days and yes/no, each refusing junk once for all.

Every free-text field of a command is a `Text` and every date a `Day`
(shared/tests/test_contract_fields.py walks every command contract to keep it so):
what they refuse is refused with 422 naming the field, on every route, before any
service stores it.
"""
import re
import unicodedata
from datetime import date, datetime, timezone

from marshmallow import ValidationError, fields, validate

from shared.crypto import is_sealed

# Bidirectional embeddings, overrides and isolates: they make text read otherwise than it is
# stored (names that display as someone else's, "Trojan Source").
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_MULTILINE = {"\n", "\t"}

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class Text(fields.String):
    """Free text: between `low` and `high` characters; no control characters (a line break and a tab only
    where `multiline`), no bidirectional overrides, no lone surrogates, not only whitespace."""

    def __init__(self, low: int = 1, high: int = 200, *, multiline: bool = False, **kwargs):
        super().__init__(validate=validate.Length(min=low, max=high), **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if _SURROGATE.search(value):
            raise ValidationError("holds a lone surrogate (\\ud800-\\udfff): not a character")
        controls = {char for char in value if unicodedata.category(char) == "Cc"} - (
            _MULTILINE if self.multiline else set())
        if controls:
            raise ValidationError("must not hold control characters ("
                                  + ", ".join(f"U+{ord(char):04X}" for char in sorted(controls)) + ")")
        if _BIDI.search(value):
            raise ValidationError("must not hold bidirectional override or isolate characters (U+202A-U+202E, "
                                  "U+2066-U+2069)")
        if value and not value.strip():
            raise ValidationError("must not be only whitespace")
        return value


class Day(fields.Date):
    """A calendar day within a sensible range for its field (by default 1900-2100), never the whole
    range of Python's dates: 9999-12-31 plus a day overflows."""

    def __init__(self, earliest: date = EARLIEST, latest: date = LATEST, *, not_future: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.earliest, self.latest, self.not_future = earliest, latest, not_future

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not self.earliest <= day <= self.latest:
            raise ValidationError(f"must be between {self.earliest.isoformat()} and {self.latest.isoformat()}")
        if self.not_future and day > datetime.now(timezone.utc).date():
            raise ValidationError("must not be in the future")
        return day


class Moment(fields.AwareDateTime):
    """A moment with its offset, within the same sensible years as a Day."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= moment.date() <= LATEST:
            raise ValidationError(f"must be between {EARLIEST.year} and {LATEST.year}")
        return moment


class Flag(fields.Boolean):
    """Yes or no as JSON's true or false, never "yes", 1 or "on"; `in_query`: also the text "true" or
    "false", as a query parameter can only be."""

    def __init__(self, *, in_query: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.in_query = in_query

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if self.in_query and value in ("true", "false"):
            return value == "true"
        raise ValidationError("must be true or false")


class Sealed(fields.String):
    """A personal field: only a sealed token may cross the bus."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_sealed(value):
            raise ValidationError("personal field must be sealed, not in clear")
        return value
