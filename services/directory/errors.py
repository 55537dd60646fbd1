"""Directory's own error: a conflict between concurrent edits.

Registered with nameko like shared.errors, so an RPC caller gets the class back.
"""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class Conflict(Exception):
    """Someone else changed the record since the caller read it: read it again and retry."""
