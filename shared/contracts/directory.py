"""What directory publishes."""
from marshmallow import Schema, fields, validate

from shared.contracts import contract


@contract("directory", "OrganizationRegistered")
class OrganizationRegistered(Schema):
    organization_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(("agency", "peer_run_organization")))
    regions = fields.List(fields.String(), required=True)
