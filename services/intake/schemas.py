"""Command inputs intake accepts (marshmallow); unknown fields are refused."""
from marshmallow import fields, validate

from shared.experiences import EXPERIENCE_CODES, VISIBILITIES
from shared.schemas import CommandSchema


class ExperienceItem(CommandSchema):
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class RecordPeerWorkerProfile(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    organization_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    experiences = fields.List(fields.Nested(ExperienceItem), load_default=list)


class ShareExperience(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))


class WithdrawExperience(CommandSchema):
    peer_worker_id = fields.UUID(required=True)
    experience = fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))
