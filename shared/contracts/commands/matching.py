"""Command inputs matching accepts (marshmallow); unknown fields are refused."""
from marshmallow import fields

from shared.contracts.commands import CommandSchema


class PersonCommand(CommandSchema):
    person_id = fields.UUID(required=True)


class AskForOffers(PersonCommand):
    # The dual-relationship rule: peers employed where the person receives services
    # are left out unless the person says otherwise.
    include_my_agencies = fields.Boolean(load_default=False)


class Choose(PersonCommand):
    peer_worker_id = fields.UUID(required=True)


class LikePeer(PersonCommand):
    peer_worker_id = fields.UUID(required=True)


class Answer(CommandSchema):
    choice_id = fields.UUID(required=True)


class EndConnection(CommandSchema):
    connection_id = fields.UUID(required=True)


class Counts(CommandSchema):
    organization_id = fields.String(load_default=None, allow_none=True)
