"""Commands and queries: what the gateway may send each service, and the service accepts.

One module per service, marshmallow inputs and the vocabularies they check, beside the
event contracts of `shared.contracts`. The gateway validates and documents with these
before any call; the service loads the same schema again. Nothing here imports a
service, so a change inside a service does not touch the gateway.
"""
from marshmallow import Schema

from shared.contracts.fields import Moment


class CommandSchema(Schema):
    """Unknown fields are refused: a typo must not be silently dropped."""


class ExpireDue(CommandSchema):
    """What time does by itself, due by `now`. Tests and tools move time; the timer passes
    nothing and the service's clock is read."""
    now = Moment(load_default=None, error_messages={
        "invalid": "an ISO time with its offset", "invalid_awareness": "an ISO time with its offset"})
