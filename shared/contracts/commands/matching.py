"""Command inputs matching accepts (marshmallow); unknown fields are refused."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.commands import CommandSchema, ExpireDue
from shared.contracts.fields import Flag, Text
from shared.operations import Operation, Operations


class PersonCommand(CommandSchema):
    person_id = fields.UUID(required=True)


class AskForOffers(PersonCommand):
    # The dual-relationship rule: peers employed where the person receives services
    # are left out unless the person says otherwise.
    include_my_agencies = Flag(load_default=False)


class Choose(PersonCommand):
    peer_worker_id = fields.UUID(required=True)


class LikePeer(PersonCommand):
    peer_worker_id = fields.UUID(required=True)


class Answer(CommandSchema):
    choice_id = fields.UUID(required=True)


class EndConnection(CommandSchema):
    connection_id = fields.UUID(required=True)


class BlockPeer(PersonCommand):
    peer_worker_id = fields.UUID(required=True)


class BlockPerson(CommandSchema):
    """The peer names the choice made of them or the connection, never the person's id."""

    peer_worker_id = fields.UUID(required=True)
    choice_id = fields.UUID(load_default=None)
    connection_id = fields.UUID(load_default=None)

    @validates_schema
    def _one_of_them(self, data, **_):
        if (data.get("choice_id") is None) == (data.get("connection_id") is None):
            raise ValidationError("name either the choice or the connection", "_schema")


class Counts(CommandSchema):
    organization_id = Text(1, 100, load_default=None, allow_none=True)


class PeerWorkerCommand(CommandSchema):
    peer_worker_id = fields.UUID(required=True)


class Page(CommandSchema):
    """A page after the last item of the one before: `after` is that item's key as matching gave it
    (`next_after`), so matching reads as much as the page, however long the list."""
    after = fields.List(Text(1, 1000), load_default=None, allow_none=True, validate=validate.Length(equal=2))
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=500))


class PersonPage(PersonCommand, Page):
    pass


class PeerWorkerPage(PeerWorkerCommand, Page):
    pass


# Who may call what. A person acts only for themselves and a peer worker only on their own
# requests; whether a choice or a connection is the caller's is the handler's to check.
OPERATIONS = Operations("matching", [
    Operation("candidate", ("peer", "agency_admin", "state_auditor", "system"), PeerWorkerCommand,
              args=("peer_worker_id",), own="peer_worker_id"),
    Operation("ask_for_offers", ("person", "system"), AskForOffers, own="person_id"),
    Operation("choose", ("person", "system"), Choose, own="person_id"),
    Operation("wait", ("person", "system"), PersonCommand, own="person_id"),
    Operation("like_peer", ("person", "system"), LikePeer, own="person_id"),
    Operation("my_offers", ("person", "system"), PersonCommand, args=("person_id",), own="person_id"),
    Operation("my_connections", ("person", "system"), PersonPage, args=("person_id", "after", "limit"),
              own="person_id"),
    Operation("accept", ("peer", "system"), Answer),
    Operation("decline", ("peer", "system"), Answer),
    Operation("peer_requests", ("peer", "system"), PeerWorkerPage, args=("peer_worker_id", "after", "limit"),
              own="peer_worker_id"),
    Operation("peer_connections", ("peer", "system"), PeerWorkerPage, args=("peer_worker_id", "after", "limit"),
              own="peer_worker_id"),
    Operation("end_connection", ("person", "peer", "system"), EndConnection),
    Operation("block_peer", ("person", "system"), BlockPeer, own="person_id"),
    Operation("block_person", ("peer", "system"), BlockPerson, own="peer_worker_id"),
    Operation("counts", ("agency_admin", "state_auditor", "system"), Counts, scope="organization_id"),
    Operation("expire_due", ("system",), ExpireDue, args=("now",)),
])
