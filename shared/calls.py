"""Calls: a service's RPC methods over a lighter request/reply path than nameko's.

The gateway sends every call this way. A nameko RPC call costs about 3 ms of
CPU between client, broker and service worker on this project's 2-core
machines, more than the command it carries; here a call is one message to
the service's queue `<exchange>.<service>.calls` and one reply to the
caller's own queue, without publisher confirms (the reply is the
confirmation). The same service methods run, with the same role checks,
errors and latency metrics; nameko's RPC stays for tools, tests and
services asking each other.

Delivery is at least once, as with nameko: a call is acknowledged after its
answer, so a service that dies in between runs it again when it is back.
Calls and replies are not written to the broker's disk: a broker restart
fails the waiting callers, and a call kept across it would run after its
caller was told it failed, and perhaps again when they tried once more.

A call carries its deadline, an absolute time a little before the caller
gives up (so that an answer made just in time still reaches it). The service
refuses a call past it before running it and before storing anything
(shared.deadline): the broker's expiration covers only calls still in the
queue, not those a frozen or busy service had already taken. A call the
caller timed out on has then stored nothing, unless it committed before the
deadline and its answer was lost on the way.

The message is `{"method", "args", "caller", "correlation_id", "deadline"}`;
`caller_of(body, service)` is the one place a service reads who is calling
from it. The caller is signed (shared.signing): the client signs the caller it
is given for the service it calls, and the service acts only on one that
verifies, for it and not expired; any other is no caller, refused by the
access table. The request's correlation id travels beside the signed caller,
not in it: a log label vouches for nothing, and signed in, it made each
request a signature in the gateway and a verification in the service (the
verifications kept per token never served twice).
"""
from __future__ import annotations

import inspect
import logging
import threading
import time
import uuid

from amqp.exceptions import AMQPError, ChannelError
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.exceptions import OperationalError
from nameko.exceptions import MethodNotFound, UnknownService, deserialize, serialize
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc

from shared import config, deadline, signing
from shared.bus import HoldingConsumer, frame_waiting
from shared.identity import caller_from
from shared.metrics import METRICS

log = logging.getLogger("peernet.calls")

# The part of a timeout left for the answer to travel back: the service stops
# storing this much before the caller gives up (at most a second).
ANSWER_MARGIN = 0.1
# How often a caller waiting for its answer looks whether the broker has blocked the calls' connection.
BLOCKED_CHECK = 0.25
# RabbitMQ tells a connection it is blocked only when it publishes: a call that has waited this long with
# nothing published since sends an empty message routed nowhere, so that a call that went out just before
# an alarm (its answer held by the broker) is not left to wait out its timeout.
PROBE_AFTER = 0.5
PROBE_ROUTING_KEY = "blocked-probe"  # no queue is bound to it: the broker drops the probe


class BrokerBlocked(Exception):
    """The broker takes no messages now (a resource alarm: low disk or memory), so no call can go through.

    `sent`: this call went out before the broker said so; the broker holds it, and it may still
    run once the alarm clears if that is before its deadline. Otherwise nothing was sent.
    """

    def __init__(self, reason: str, sent: bool):
        super().__init__(reason)
        self.sent = sent


def deadline_for(timeout: float, now: float | None = None) -> float:
    return (now or time.time()) + timeout - min(1.0, timeout * ANSWER_MARGIN)


def caller_of(body: dict, service: str):
    """Who is calling, as the call message's signed caller says for `service` (None: refused by the access table),
    with the request's correlation id the message carries beside it."""
    vouched = signing.verified(body.get("caller"), service)
    if vouched is not None and "correlation_id" not in vouched and isinstance(body.get("correlation_id"), str):
        vouched = {**vouched, "correlation_id": body["correlation_id"]}
    return caller_from(vouched)


def calls_exchange(namespace: str | None = None) -> Exchange:
    """Calls go through an exchange of their own, routed by service name, rather than the default exchange,
    which reaches every queue: a broker user allowed to call is then allowed nothing else (shared.broker_users)."""
    return Exchange(f"{namespace or config.exchange_name()}.calls", type="topic", durable=True)


def replies_exchange(namespace: str | None = None) -> Exchange:
    """Where a service answers, routed by the caller's reply queue name."""
    return Exchange(f"{namespace or config.exchange_name()}.replies", type="topic", durable=True)


def call_queue(service: str, namespace: str | None = None) -> Queue:
    """`<exchange>.<service>.calls`: named like the service's other queues, after the deployment's exchange."""
    return Queue(f"{namespace or config.exchange_name()}.{service}.calls", exchange=calls_exchange(namespace),
                 routing_key=service, durable=True, queue_arguments={"x-queue-type": config.queue_type()})


def rpc_methods(service_cls) -> dict:
    """The service's @rpc methods by name: the only ones a call may reach."""
    return {name: function for name, function in inspect.getmembers(service_cls, inspect.isfunction)
            if any(isinstance(entry, Rpc) for entry in getattr(function, ENTRYPOINT_EXTENSIONS_ATTR, ()))}


class CallServer(HoldingConsumer):
    """Answers calls in the service's process.

    The service instance is made as nameko makes one for a worker: the class,
    with its application and the caller set on it. Calls run each on a green
    thread of its own; for a service that saves commands together, the calls
    that arrived together run one after another and their events are stored
    in one transaction, before any of them is answered.
    """

    def __init__(self, connection: Connection, service_cls, application, expected: tuple, workers: int = 10):
        import eventlet  # the service process runs under nameko's eventlet

        self.connection = connection
        self.service_cls = service_cls
        self.application = application
        self.expected = expected
        self.methods = rpc_methods(service_cls)
        METRICS.start_calls(service_cls.name, self.methods)
        self.workers = eventlet.GreenPool(workers)
        self.prefetch = workers
        self.together = getattr(application, "saves_commands_together", False)
        self.writing = threading.Lock()  # replies and acks share the consuming channel
        self.producer: Producer | None = None

    def declare(self) -> None:
        """Before the service says it is healthy: calls sent from then on wait in the queue."""
        with self.connection.clone() as connection:
            call_queue(self.service_cls.name)(connection.default_channel).declare()
            replies_exchange()(connection.default_channel).declare()

    def get_consumers(self, Consumer, channel):
        return [Consumer(queues=[call_queue(self.service_cls.name)], callbacks=[self.on_message],
                         prefetch_count=self.prefetch, accept=["json"])]

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        super().on_consume_ready(connection, channel, consumers, **kwargs)
        self.producer = Producer(channel)

    def on_connection_error(self, exc, interval):
        log.warning("%s calls: broker connection lost (%s); retrying in %ss", self.service_cls.name, exc, interval)

    def on_message(self, body, message):
        if self.together:
            self.hold(body, message)
        else:
            self.workers.spawn_n(self.answer, body, message)

    def answer(self, body, message) -> None:
        self.reply(message, *self.perform(body))

    def handle_held(self, received: list) -> None:
        try:
            answers = self.perform_together([body for body, _ in received])
        except Exception as failure:  # nothing of the lot was stored: each on its own
            log.info("%s calls: %d calls run again one by one (%s)", self.service_cls.name, len(received), failure)
            answers = [self.perform(body) for body, _ in received]
        for (_, message), (result, error) in zip(received, answers):
            self.reply(message, result, error)

    def perform_together(self, bodies: list) -> list[tuple]:
        answers = []
        with self.application.saving_together() as lot:
            for body in bodies:
                before = len(lot.events)
                result, error = self.perform(body)
                if error is not None and not self.application.left_nothing(lot, before):
                    raise RuntimeError("a refused call left changes in the lot")
                answers.append((result, error))
            # Before the lot is stored: one call past its deadline and each runs again on its own,
            # where that one is refused and the others are stored.
            if any(deadline.passed(_deadline_of(body)) for body in bodies):
                raise deadline.DeadlinePassed("a call of the lot passed its deadline before it was stored")
        return answers

    def reply(self, message, result, error) -> None:
        reply_to = message.properties.get("reply_to")
        with self.writing:
            try:
                if reply_to:
                    self.producer.publish({"result": result, "error": error}, exchange=replies_exchange().name,
                                          routing_key=reply_to,
                                          correlation_id=message.properties.get("correlation_id"),
                                          serializer="json", delivery_mode="transient")
                message.ack()
            except Exception as failure:  # the channel went: the broker delivers the call again
                log.warning("%s calls: could not answer (%s)", self.service_cls.name, failure)

    def perform(self, body) -> tuple:
        """(result, None) or (None, the error as nameko serializes it)."""
        method_name = body.get("method") if isinstance(body, dict) else None
        method = self.methods.get(method_name)
        if method is None:
            return None, serialize(MethodNotFound(str(method_name)))
        due = _deadline_of(body)
        if deadline.passed(due):  # the caller has given up: running it now could only surprise them
            METRICS.rpc_latency.labels(self.service_cls.name, method_name, "DeadlinePassed").observe(0)
            return None, serialize(deadline.DeadlinePassed("arrived after its deadline; not run"))
        instance = self.service_cls()
        instance.application = self.application
        instance.caller = caller_of(body, self.service_cls.name)
        started = time.perf_counter()
        try:
            with deadline.until(due):
                result, error, outcome = method(instance, *body.get("args", ())), None, "ok"
        except deadline.DeadlinePassed as late:
            log.info("%s.%s refused: %s", self.service_cls.name, method_name, late)
            result, error, outcome = None, serialize(late), "DeadlinePassed"
        except self.expected as refused:
            result, error, outcome = None, serialize(refused), type(refused).__name__
        except Exception as failure:
            log.exception("%s.%s failed", self.service_cls.name, method_name)
            result, error, outcome = None, serialize(failure), "error"
        METRICS.rpc_latency.labels(self.service_cls.name, method_name, outcome).observe(
            time.perf_counter() - started)
        return result, error


def _deadline_of(body) -> float | None:
    due = body.get("deadline") if isinstance(body, dict) else None
    return float(due) if isinstance(due, (int, float)) and not isinstance(due, bool) else None


class _Waiting:
    def __init__(self):
        self.done = threading.Event()
        self.reply: dict | None = None
        self.failure: Exception | None = None  # the call never reached a service


class CallClient:
    """Calls services from any number of threads (or green threads).

    Two connections, so that no socket is shared between threads: callers
    publish on one under a lock; a reader thread takes the replies from the
    client's own exclusive queue on the other and wakes the caller waiting for each.

    While the broker blocks publishers (a disk or memory alarm) a call could
    only wait out its timeout: RabbitMQ sends `connection.blocked` to a
    connection that publishes then, and `connection.unblocked` once the alarm
    clears. The callers read those on the publishing connection (nothing else
    does) before each call and while they wait (publishing a probe when
    nothing else has for a while), and a blocked call fails at once with
    BrokerBlocked.
    """

    def __init__(self, uri: str, timeout: float = 10.0, namespace: str | None = None):
        self.uri, self.timeout = uri, timeout
        self.signer = signing.Signer()
        self.namespace = namespace or config.exchange_name()
        self.exchange = calls_exchange(self.namespace).name
        self.lock = threading.Lock()
        self.waiting: dict[str, _Waiting] = {}
        self.publishing: Connection | None = None
        self.replies: Connection | None = None
        self.producer: Producer | None = None
        self.reply_queue = ""  # named afresh on each connect: an old one may not be gone yet
        self.served: dict[str, str] = {}  # service -> its call queue, known to exist
        self.blocked: str | None = None  # why the broker blocks the publishing connection, while it does
        self.published_at = 0.0  # time.monotonic() of the last message sent

    def call(self, service: str, method: str, *args, caller: dict | None, timeout: float | None = None):
        """`caller` signed here for `service`, once while its signature is young (None: sent without one)."""
        timeout = timeout or self.timeout
        correlation_id = None if caller is None else caller.get("correlation_id")
        signed = None if caller is None else self.signer.token(
            {name: value for name, value in caller.items() if name != "correlation_id"}, service)
        call_id = uuid.uuid4().hex
        waiting = self.waiting[call_id] = _Waiting()
        try:
            with self.lock:
                try:
                    self._connect()
                    self._read_notices()
                    if self.blocked is not None:
                        raise BrokerBlocked(self.blocked, sent=False)
                    self._call_queue(service)  # UnknownService now, not a timeout, when none ever ran
                    # Expires in the queue rather than run after the caller gave up; the deadline
                    # stops it in a service that took it from the queue.
                    message = {"method": method, "args": list(args), "caller": signed,
                               "correlation_id": correlation_id, "deadline": deadline_for(timeout)}
                    self.producer.publish(message, exchange=self.exchange,
                                          routing_key=service, reply_to=self.reply_queue, correlation_id=call_id,
                                          expiration=timeout, serializer="json", delivery_mode="transient")
                    self.published_at = time.monotonic()
                except (OSError, AMQPError, OperationalError) as lost:
                    self._drop()  # the next call connects again
                    raise ConnectionError(f"lost the broker: {lost}") from None
            self._wait(waiting, service, timeout)
        finally:
            self.waiting.pop(call_id, None)
        if waiting.failure is not None:
            raise waiting.failure
        reply = waiting.reply
        if reply.get("error"):
            raise deserialize(reply["error"])
        return reply.get("result")

    def _wait(self, waiting: _Waiting, service: str, timeout: float) -> None:
        until = time.monotonic() + timeout
        while not waiting.done.wait(max(0.0, min(BLOCKED_CHECK, until - time.monotonic()))):
            if time.monotonic() >= until:
                raise TimeoutError(f"{service} did not answer within {timeout:g}s")
            if self._blocked_now() and not waiting.done.is_set():
                raise BrokerBlocked(self.blocked or "blocked", sent=True)

    def _blocked_now(self) -> bool:
        if not self.lock.acquire(timeout=BLOCKED_CHECK):
            return False  # another caller is publishing: it reads the notices
        try:
            self._read_notices()
            if self.blocked is None and self.publishing is not None \
                    and time.monotonic() - self.published_at >= PROBE_AFTER:
                self.producer.publish(b"", exchange=self.exchange, routing_key=PROBE_ROUTING_KEY,
                                      delivery_mode="transient")
                self.published_at = time.monotonic()
            return self.blocked is not None
        except (OSError, AMQPError, OperationalError):
            self._drop()  # fails the waiting calls: the next one connects again
            return False
        finally:
            self.lock.release()

    def _read_notices(self) -> None:
        """What the broker sent on the publishing connection (connection.blocked or .unblocked), without waiting."""
        while self.publishing is not None and frame_waiting(self.publishing):
            try:
                self.publishing.drain_events(timeout=0.1)
            except TimeoutError:  # part of a frame: the rest is read next time
                return

    def _on_blocked(self, reason: str) -> None:
        log.warning("the broker blocks calls: %s", reason)
        self.blocked = reason

    def _on_unblocked(self) -> None:
        log.warning("the broker takes calls again")
        self.blocked = None

    def _connect(self) -> None:
        if self.publishing is not None:
            return
        replies = Connection(self.uri, heartbeat=0)
        self.reply_queue = f"replies-{uuid.uuid4().hex}"
        Consumer(replies.channel(), queues=[Queue(self.reply_queue, replies_exchange(self.namespace),
                                                  routing_key=self.reply_queue, exclusive=True, auto_delete=True)],
                 callbacks=[self._replied], no_ack=True, accept=["json"]).consume()
        self.replies = replies
        self.publishing = Connection(self.uri, heartbeat=0, transport_options={
            "on_blocked": self._on_blocked, "on_unblocked": self._on_unblocked})
        self.producer = Producer(self.publishing.channel())
        threading.Thread(target=self._read, args=(replies,), daemon=True, name="call-replies").start()

    def _call_queue(self, service: str) -> str:
        """The service's call queue. One that never ran on this broker has none: say so now, not at the timeout."""
        if service not in self.served:
            queue = call_queue(service, self.namespace)
            try:
                queue(self.publishing.channel()).queue_declare(passive=True)
            except ChannelError:
                raise UnknownService(service) from None
            self.served[service] = queue.name
        return self.served[service]

    def _read(self, replies: Connection) -> None:
        try:
            while self.replies is replies:
                try:
                    replies.drain_events(timeout=1.0)
                except TimeoutError:
                    continue
        except Exception:  # lost, or let go of by _drop
            with self.lock:
                if self.replies is replies:
                    self._drop()

    def _replied(self, body, message) -> None:
        waiting = self.waiting.get(message.properties.get("correlation_id"))
        if waiting is not None:
            waiting.reply = body
            waiting.done.set()

    def _drop(self) -> None:
        """Let go of both connections; the calls waiting fail, the next one connects again."""
        for connection in (self.publishing, self.replies):
            if connection is not None:
                try:
                    connection.release()
                except Exception:  # already gone
                    pass
        self.publishing = self.replies = self.producer = None
        self.blocked = None  # a new connection is told again when it publishes
        for waiting in list(self.waiting.values()):
            if not waiting.done.is_set():
                waiting.failure = ConnectionError("lost the broker before the answer came")
                waiting.done.set()

    def close(self) -> None:
        with self.lock:
            self._drop()
