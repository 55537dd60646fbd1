"""Commands and queries: what the gateway may send each service, and the service accepts.

One module per service, marshmallow inputs and the vocabularies they check, beside the
event contracts of `shared.contracts`. The gateway validates and documents with these
before any call; the service loads the same schema again. Nothing here imports a
service, so a change inside a service does not touch the gateway.
"""
from marshmallow import Schema


class CommandSchema(Schema):
    """Unknown fields are refused: a typo must not be silently dropped."""
