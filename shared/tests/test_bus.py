"""The bus consumer's periodic look at the sources' logs and when it acks (no broker: only the decisions are
tested; tests/integration/test_bus_batches.py runs it on the broker)."""
import time

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


class Message:
    def __init__(self, acks: list, tag: int):
        self.acks, self.tag = acks, tag

    def ack(self, multiple=False):
        self.acks.append((self.tag, multiple))


class Handed:
    service = "matching"
    sources = ("intake",)

    def handle_batch(self, bodies):
        return ["applied"] * len(bodies)


def hand(bus: BusConsumer, acks: list, tags) -> None:
    bus.handle_held([({"position": tag}, Message(acks, tag)) for tag in tags])


def test_applied_events_are_acked_together_once_enough_have_come():
    acks: list = []
    bus = BusConsumer(connection=None, tracked=Handed(), queue=Queue("q"))
    for tag in range(1, bus.ACK_EVERY):
        hand(bus, acks, [tag])
    assert acks == []  # each applied and stored; the acks wait
    hand(bus, acks, [bus.ACK_EVERY])
    assert acks == [(bus.ACK_EVERY, True)]  # one ack for all of them


def test_an_applied_event_is_acked_within_a_moment_when_no_more_come():
    acks: list = []
    bus = BusConsumer(connection=None, tracked=Handed(), queue=Queue("q"), catch_up_every=3600)
    bus.next_catch_up = time.monotonic() + 3600
    hand(bus, acks, [1, 2])
    bus.on_iteration()
    assert acks == []
    bus.unacked_since -= bus.ACK_AFTER
    bus.on_iteration()
    assert acks == [(2, True)]


def test_a_new_channel_forgets_the_old_ones_unacked_events():
    acks: list = []
    bus = BusConsumer(connection=None, tracked=Handed(), queue=Queue("q"))
    hand(bus, acks, [1])
    bus.on_consume_ready(connection=None, channel=None, consumers=[])
    bus.next_catch_up = time.monotonic() + 3600
    bus.unacked_since -= bus.ACK_AFTER
    bus.on_iteration()
    assert acks == []  # the old channel's tags mean nothing on the new one: the broker delivers them again
