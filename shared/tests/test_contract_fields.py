"""Every free-text field of every command is a Text, every date a Day, every moment a Moment and every
yes/no a Flag (shared/contracts/fields.py): junk is refused once, in the type, on every route."""
import inspect

import pytest
from marshmallow import Schema, fields, validate

from shared.contracts.commands import audit, directory, intake, matching, notifications, supervision
from shared.contracts.fields import Day, Flag, Moment, Text
from shared.languages import Language

MODULES = (audit, directory, intake, matching, notifications, supervision)
# Strings that are not free text: an id, an address, or one of a closed list or pattern.
NOT_FREE_TEXT = (fields.UUID, fields.Email, fields.URL, Language, Text)
CLOSED = (validate.OneOf, validate.Regexp)


def schemas():
    return sorted({cls for module in MODULES for _, cls in inspect.getmembers(module, inspect.isclass)
                   if issubclass(cls, Schema) and cls.__module__ == module.__name__}, key=lambda c: c.__qualname__)


def leaves(field, name):
    if isinstance(field, fields.List):
        yield from leaves(field.inner, f"{name}[]")
    elif isinstance(field, fields.Dict):
        yield from leaves(field.value_field, f"{name}{{}}") if field.value_field else ()
    elif not isinstance(field, fields.Nested):
        yield name, field


def misfits(schema_cls) -> list[str]:
    found = []
    for field_name, declared in schema_cls().fields.items():
        for name, field in leaves(declared, field_name):
            if isinstance(field, fields.String) and not isinstance(field, NOT_FREE_TEXT) and not any(
                    isinstance(check, CLOSED) for check in field.validators):
                found.append(f"{name}: free text, not a Text")
            elif isinstance(field, fields.Date) and not isinstance(field, Day):
                found.append(f"{name}: a date, not a Day")
            elif isinstance(field, fields.DateTime) and not isinstance(field, Moment):
                found.append(f"{name}: a moment, not a Moment")
            elif isinstance(field, fields.Boolean) and not isinstance(field, Flag):
                found.append(f"{name}: yes or no, not a Flag")
    return found


@pytest.mark.parametrize("schema_cls", schemas(), ids=lambda cls: f"{cls.__module__.split('.')[-1]}.{cls.__name__}")
def test_every_field_is_of_a_type_that_refuses_junk(schema_cls):
    assert misfits(schema_cls) == []


@pytest.mark.parametrize("value, refused", [
    ("Robin", False), ("Ro\nbin", True), ("Robin\ud800", True), ("\x1b[31m", True), ("Robin\u202e", True),
    ("\u2067x", True), ("   ", True), ("Renée Ōkubo 李", False),
])
def test_text_refuses_what_cannot_be_shown_or_stored_as_it_reads(value, refused):
    class One(Schema):
        text = Text(1, 80)
    assert bool(One().validate({"text": value})) is refused


def test_multiline_text_keeps_line_breaks_and_tabs_but_no_other_control():
    class One(Schema):
        text = Text(0, 80, multiline=True)
    assert One().validate({"text": "one\n\ttwo"}) == {} and One().validate({"text": ""}) == {}
    assert One().validate({"text": "one\rtwo\x00"})["text"]
