"""What intake publishes."""
from marshmallow import Schema, fields, validate

from shared.contracts import contract
from shared.contracts.fields import Sealed
from shared.experiences import EXPERIENCE_CODES

Experience = lambda: fields.String(required=True, validate=validate.OneOf(EXPERIENCE_CODES))  # noqa: E731


@contract("intake", "PeerWorkerProfiled")
class PeerWorkerProfiled(Schema):
    peer_worker_id = fields.UUID(required=True)
    organization_id = fields.String(required=True)
    display_name = Sealed(required=True)
    shared_for_matching = fields.List(Experience(), required=True)
    shared_with_network = fields.List(Experience(), required=True)


@contract("intake", "PeerWorkerExperienceShared")
class PeerWorkerExperienceShared(Schema):
    peer_worker_id = fields.UUID(required=True)
    experience = Experience()
    visibility = fields.String(required=True, validate=validate.OneOf(("matching", "network")))


@contract("intake", "PeerWorkerExperienceWithdrawn")
class PeerWorkerExperienceWithdrawn(Schema):
    peer_worker_id = fields.UUID(required=True)
    experience = Experience()


@contract("intake", "PeerWorkerPrivateExperienceKept")
class PeerWorkerPrivateExperienceKept(Schema):
    """Says only that something private changed: the item never leaves intake."""

    peer_worker_id = fields.UUID(required=True)
