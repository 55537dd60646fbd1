"""Fields used by several contracts."""
from marshmallow import ValidationError, fields

from shared.crypto import is_sealed


class Sealed(fields.String):
    """A personal field: only a sealed token may cross the bus."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not is_sealed(value):
            raise ValidationError("personal field must be sealed, not in clear")
        return value
