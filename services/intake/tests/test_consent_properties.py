"""Property: no sequence of grants, changes, revocations, lapses, shares and
withdrawals ever lets an item reach another service unless, at that moment,
it was shared for matching under a consent that let matching use items."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet
from hypothesis import example, given, settings, strategies as st

from services.intake.setup import setup as intake_setup
from shared.identity import Caller
from services.intake.tests.people_fixtures import a_person, consent, enrollment
from shared.crypto import MemoryKeyStorage, PersonKeyVault, is_sealed
from shared.errors import InvalidInput

SYSTEM = Caller.system("intake")

CODES = ("heard_voices", "veteran", "homelessness")
WITH_ITEMS = ["region", "experiences"]

operations = st.lists(st.one_of(
    st.tuples(st.just("share"), st.sampled_from(CODES), st.sampled_from(("private", "matching"))),
    st.tuples(st.just("withdraw"), st.sampled_from(CODES)),
    st.tuples(st.just("grant"), st.booleans(), st.one_of(st.none(), st.integers(1, 3))),
    st.tuples(st.just("revoke")),
    st.tuples(st.just("advance"), st.integers(0, 3), st.booleans()),  # with or without the timer running
), max_size=15)



class Model:
    """What the person chose, as the test understands it."""

    def __init__(self, now, items_for_matching: bool):
        self.items: dict[str, str] = {}
        self.consent = ("active", items_for_matching, None)
        self.now = now

    def matching_items(self) -> set[str]:
        status, with_items, expires_at = self.consent
        if status != "active" or not with_items or (expires_at is not None and expires_at <= self.now):
            return set()
        return {code for code, seen_by in self.items.items() if seen_by == "matching"}


def revealed(body, vault) -> set[str]:
    tokens = [body.get("experience")] + list((body.get("matching") or {}).get("shared_for_matching", []))
    return {vault.open(t) for t in tokens if is_sealed(t)}


@settings(max_examples=200, deadline=None)
@given(st.booleans(), operations)
# Past its expiry but not yet lapsed (the timer has not run): nothing may be published.
@example(True, [("grant", True, 1), ("advance", 2, False), ("share", "veteran", "matching")])
@example(True, [("share", "veteran", "matching"), ("revoke",), ("share", "veteran", "private"),
                ("grant", True, None)])
def test_private_items_never_reach_another_service(items_for_matching, ops):
    vault = PersonKeyVault(MemoryKeyStorage(), Fernet.generate_key().decode())
    model = Model(datetime.now(timezone.utc) + timedelta(minutes=1), items_for_matching)
    app = intake_setup(vault, {"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=lambda: model.now)
    me = a_person()
    app.perform("enroll", me,
                enrollment(me, consent=consent(matching=WITH_ITEMS if items_for_matching else ["region"])))
    ever_allowed: set[str] = set()
    position = app.max_position()
    for op in ops:
        before = model.matching_items()
        try:
            apply(app, model, me, op)
        except InvalidInput:
            pass  # refused: nothing stored, the model unchanged
        after = model.matching_items()
        ever_allowed |= after
        for event in app.integration_events(position):
            shown = revealed(event.body, vault)
            # A withdrawal names an item matching already had; anything else only what it may have now.
            assert shown <= (before | after if event.type == "PersonExperienceWithdrawn" else after), (op, event)
            assert shown <= ever_allowed | before
            for code, seen_by in model.items.items():
                if seen_by == "private" and event.type != "PersonExperienceWithdrawn":
                    assert code not in shown
        position = app.max_position()


def apply(app, model, me, op):
    kind = op[0]
    if kind == "share":
        app.perform("share_person_experience", me, {"person_id": me.user_id, "experience": op[1], "visibility": op[2]})
        model.items[op[1]] = op[2]
    elif kind == "withdraw":
        app.perform("withdraw_person_experience", me, {"person_id": me.user_id, "experience": op[1]})
        del model.items[op[1]]
    elif kind == "grant":
        expires_at = model.now + timedelta(days=op[2]) if op[2] else None
        app.perform("grant_consent", me, {"person_id": me.user_id, "consent": consent(
            matching=WITH_ITEMS if op[1] else ["region"],
            expires_at=expires_at.isoformat() if expires_at else None)})
        model.consent = ("active", op[1], expires_at)
    elif kind == "revoke":
        app.perform("revoke_consent", me, {"person_id": me.user_id})
        model.consent = ("revoked", False, None)
    else:
        model.now += timedelta(days=op[1])
        if op[2]:
            app.perform("expire_due", SYSTEM, model.now)
