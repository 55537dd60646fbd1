"""Command and query inputs audit accepts (marshmallow); unknown fields are refused."""
from marshmallow import ValidationError, fields, validate, validates_schema

from shared.contracts.audit import BREAK_GLASS_REASONS, Reference
from shared.contracts.commands import CommandSchema
from shared.contracts.fields import Flag, Moment, Text
from shared.operations import Operation, Operations

FORMATS = ("csv", "jsonl")  # of the history's export


class HistoryQuery(CommandSchema):
    source = Text(1, 50)
    type = fields.String(validate=validate.Regexp(r"^[A-Z][A-Za-z]+$"))
    since = Moment()
    until = Moment()
    organization_id = Text(1, 100)
    subject_id = Text(1, 100)
    cursor = fields.Integer(strict=True, validate=validate.Range(min=0), load_default=0)
    limit = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000), load_default=100)

    @validates_schema
    def time_range(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] >= data["until"]:
            raise ValidationError("must be later than since", "until")


class ExportQuery(HistoryQuery):
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    limit = fields.Integer(strict=True, validate=validate.Range(min=1, max=50_000), load_default=10_000)


BREAK_GLASS_MOST_HOURS = 72  # an access longer than three days is a standing one, which break-glass is not


class OpenBreakGlass(CommandSchema):
    person_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(BREAK_GLASS_REASONS))
    reference = Reference()
    hours = fields.Integer(strict=True, validate=validate.Range(min=1, max=BREAK_GLASS_MOST_HOURS), metadata={
        "description": f"how long the access stays open, 1 to {BREAK_GLASS_MOST_HOURS} hours; without it, the "
                       "network's own (PEERNET_AUDIT_BREAK_GLASS_HOURS)"})


class PersonOnly(CommandSchema):
    person_id = fields.UUID(required=True)


class KeptCheckpoint(CommandSchema):
    """A signed checkpoint as the checkpoints call gave it, kept by the state elsewhere."""
    seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    hash = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    signed_at = Text(0, 64)
    key_id = Text(1, 64, required=True)
    signature = Text(1, 200, required=True)


class CheckpointQuery(CommandSchema):
    """A page of the signed checkpoints after the last one of the page before (its seq, `next_after`), so audit
    reads as much as the page however long the ledger's life; the first page (no `after`) signs the head too."""
    after = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1))
    limit = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000), load_default=100)


class StartVerification(CommandSchema):
    checkpoints = fields.List(fields.Nested(KeptCheckpoint), metadata={
        "description": "a copy of the signed checkpoints kept elsewhere (catches a truncated ledger); "
                       "without it, the ledger's own"})


class Verify(StartVerification):
    sources = Flag(load_default=True, metadata={"description": "false: the chain only, no source is asked"})


class VerificationOnly(CommandSchema):
    verification_id = fields.UUID(required=True)


AUDITOR_OR_SYSTEM = ("state_auditor", "system")
# Audit's access table (shared.operations): state auditors only (and the services' own calls, but
# never to read a person's fields). verify takes its values as the RPC always has: (sources, checkpoints).
OPERATIONS = Operations("audit", [
    Operation("history", AUDITOR_OR_SYSTEM, HistoryQuery),
    Operation("export", AUDITOR_OR_SYSTEM, ExportQuery),
    Operation("verify", AUDITOR_OR_SYSTEM, Verify, args=("sources", "checkpoints")),
    Operation("start_verification", AUDITOR_OR_SYSTEM, StartVerification),
    Operation("verification", AUDITOR_OR_SYSTEM, VerificationOnly),
    Operation("checkpoints", AUDITOR_OR_SYSTEM, CheckpointQuery),
    Operation("figures", AUDITOR_OR_SYSTEM),
    Operation("open_break_glass", ("state_auditor",), OpenBreakGlass),
    Operation("personal_fields", ("state_auditor",), PersonOnly),
])
