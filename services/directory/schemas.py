"""Command inputs directory accepts (marshmallow); unknown fields are refused."""
from marshmallow import fields, validate

from services.directory.domain import ORGANIZATION_KINDS
from shared.schemas import CommandSchema


class RegisterOrganization(CommandSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANIZATION_KINDS))
    regions = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          required=True, validate=validate.Length(min=1))
