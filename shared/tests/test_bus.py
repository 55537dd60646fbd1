"""The bus consumer's periodic look at the sources' logs (no broker: only the decision is tested)."""
from kombu import Queue

from shared.bus import BusConsumer


class Positions:
    def __init__(self):
        self.at = {"intake": 0, "directory": 0}

    def position_in(self, source):
        return self.at[source]


class Tracked:
    service = "matching"
    sources = ("intake", "directory")

    def __init__(self):
        self.application = Positions()
        self.caught_up: list[str] = []

    def catch_up(self, source):
        self.caught_up.append(source)


def test_only_sources_whose_events_stopped_coming_are_read_from_their_logs():
    tracked = Tracked()
    bus = BusConsumer(connection=None, tracked=tracked, queue=Queue("q"))
    bus.catch_up_all()  # the first look, as after a connect: every log
    assert tracked.caught_up == ["intake", "directory"]

    tracked.caught_up.clear()
    tracked.application.at["intake"] = 40  # intake's events arrive by the bus; directory's stopped
    bus.catch_up_all()
    assert tracked.caught_up == ["directory"]

    tracked.caught_up.clear()
    bus.catch_up_all()  # intake has not moved since: its log is read too
    assert tracked.caught_up == ["intake", "directory"]


def test_a_reconnect_looks_at_every_log_on_the_next_iteration():
    tracked = Tracked()
    bus = BusConsumer(connection=None, tracked=tracked, queue=Queue("q"))
    bus.catch_up_all()
    tracked.application.at["intake"] = 40
    bus.on_consume_ready(None, None, [])
    assert bus.next_catch_up == 0.0
    tracked.caught_up.clear()
    bus.catch_up_all()  # intake moved, but after a reconnect its log is read all the same
    assert tracked.caught_up == ["intake", "directory"]
