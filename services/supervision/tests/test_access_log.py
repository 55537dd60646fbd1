"""A supervision record read by someone other than the peer worker is recorded (shared.access)."""
from services.supervision.tests.test_flow import (  # noqa: F401  (scene is a fixture)
    SYSTEM, accept_under_agreement, as_peer, as_supervisor, published, scene,
)
from shared.identity import Caller


def test_the_supervisor_reading_a_record_is_recorded_the_peer_worker_and_the_system_are_not(app, directory, scene):
    accept_under_agreement(app, directory, scene)
    worker = scene["worker"]
    app.perform("supervision_record", as_peer(worker), {"peer_worker_id": worker})
    app.perform("supervision_record", SYSTEM, {"peer_worker_id": worker})
    assert published(app, "AccessRecorded") == []
    for _ in range(3):
        app.perform("supervision_record", as_supervisor(scene["supervisor"]), {"peer_worker_id": worker})
    [access] = published(app, "AccessRecorded")
    assert (access.subject_id, access.actor["user_id"]) == (worker, scene["supervisor"])
    assert access.body["fields_read"] == ["due", "supervisions"]
    app.perform("supervision_record", Caller(user_id="auditor-1", role="state_auditor"), {"peer_worker_id": worker})
    assert len(published(app, "AccessRecorded")) == 2
