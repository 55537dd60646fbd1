"""shared.signing: a signed caller holds for its service and its minute only; signatures are made once
while young; a tool's proxy keeps sending valid ones however long it stays open."""
import time

from shared import signing

ACTOR = {"user_id": "peer-1", "role": "peer", "organization_id": None, "correlation_id": "c-1"}


def test_a_signed_caller_holds_for_its_service_until_it_expires():
    now = time.time()
    token = signing.sign(ACTOR, "intake", now=now)
    assert signing.verified(token, "intake", now=now) == ACTOR
    assert signing.verified(token, "intake", now=now + signing.LIFETIME - 1) == ACTOR
    assert signing.verified(token, "intake", now=now + signing.LIFETIME + 1) is None
    assert signing.verified(token, "matching", now=now) is None
    anywhere = signing.sign(ACTOR, signing.ANY_SERVICE, now=now)
    assert signing.verified(anywhere, "matching", now=now) == ACTOR


def test_anything_but_a_good_signature_is_no_caller():
    token = signing.sign(ACTOR, "intake")
    payload, signature = token.split(".")
    other = signing.sign({**ACTOR, "role": "system"}, "intake").split(".")[0]
    for bad in (None, ACTOR, "", ".", payload, f"{other}.{signature}", f"{payload}.{signature[::-1]}",
                f"{payload}.{signature}.x", "x" * 5000, f"{payload}\u00e9.{signature}"):
        assert signing.verified(bad, "intake") is None, bad


def test_a_signer_signs_once_while_the_signature_is_young():
    signer = signing.Signer()
    first = signer.token(ACTOR, "intake")
    assert signer.token(dict(ACTOR), "intake") == first
    assert signer.token(ACTOR, "matching") != first
    key = (tuple(sorted(ACTOR.items())), "intake")
    signer.kept[key] = (first, time.time() + signing.LIFETIME / 2 - 1)  # past half its life
    assert signing.verified(signer.token(ACTOR, "intake"), "intake") == ACTOR
    assert signer.kept[key][1] > time.time() + signing.LIFETIME / 2  # signed again, good for a whole minute


def test_a_tools_context_is_signed_afresh_for_each_call_nameko_sends():
    context = signing.SignedContext(ACTOR)
    sent = context.copy()  # what nameko does for every call
    assert signing.verified(sent["caller"], "directory") == ACTOR
    key = (tuple(sorted(ACTOR.items())), signing.ANY_SERVICE)
    context.signer.kept[key] = ("an old signature", time.time() - 1)
    assert signing.verified(context.copy()["caller"], "intake") == ACTOR
