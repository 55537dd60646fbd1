"""Loading a command's input the way every service does."""
from __future__ import annotations

from marshmallow import Schema, ValidationError

from shared.errors import InvalidInput


def load(schema: Schema, payload) -> dict:
    """Validate a command's input, or raise InvalidInput naming each field."""
    if not isinstance(payload, dict):
        raise InvalidInput({"_schema": ["expected an object"]})
    try:
        return schema.load(payload)
    except ValidationError as error:
        raise InvalidInput(error.normalized_messages()) from None
