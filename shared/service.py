"""The nameko side: thin adapters between the bus and a service's Application.

A service class is `@serves(OPERATIONS) class IntakeService(ServiceBase)` with
the service's setup as its Application factory: `serves` makes one entrypoint
per operation of the service's access table (shared.operations), and
ServiceBase gives it /health, /metrics, the notification-log RPCs that
consumers catch up from, and (with `follows`) a tracked consumer.
"""
from __future__ import annotations

import json
import logging
import time

from kombu import Connection
from kombu.serialization import registry
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc, RpcConsumer
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from shared import config
from shared.bus import BusConsumer, DeadLetterPublisher, consumer_queue, start_in_thread
from shared.calls import CallServer
from shared.consumer import TrackedConsumer
from shared.crypto import vault_from_env
from shared.errors import Conflict, InvalidInput, NotAllowed, NotFound
from shared.identity import Caller, caller_from
from shared.signing import SignedContext, verified
from shared.metrics import METRICS, metrics_response
from shared.operations import Operation, Operations, require

EXPECTED = (InvalidInput, NotAllowed, NotFound, Conflict)
CALLER_KEY = "caller"

log = logging.getLogger("peernet.service")


class AnswerableCalls(RpcConsumer):
    """nameko's RPC consumer, dropping a call it could not answer. One without a reply queue or a content type
    it knows made nameko's responder raise, and the container died; restarted, it took the same message again.
    Anyone allowed to call the service could send one."""

    def handle_message(self, body, message):
        properties = message.properties
        if properties.get("content_type") not in registry.type_to_name or not properties.get("reply_to"):
            log.warning("%s: dropped a call that cannot be answered (no reply queue, or an unknown content type)",
                        self.container.service_name)
            self.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)


class AnswerableRpc(Rpc):
    rpc_consumer = AnswerableCalls()


rpc = AnswerableRpc.decorator


class ApplicationProvider(DependencyProvider):
    """One Application per process, built at start; also runs the tracked consumer."""

    def __init__(self, application_factory):
        self.application_factory = application_factory
        self.application = None
        self.bus_consumer: BusConsumer | None = None
        self.call_server: CallServer | None = None

    def setup(self):
        self.application = self.application_factory(vault_from_env())
        METRICS.start_service(self.application.service, self.application.follows)

    def start(self):
        uri = self.container.config["AMQP_URI"]
        self.call_server = CallServer(Connection(uri, heartbeat=0), self.container.service_cls, self.application,
                                      EXPECTED, workers=self.container.max_workers)
        self.call_server.declare()
        start_in_thread(self.call_server, name=f"calls-{self.application.service}")
        follows = self.application.follows
        if not follows:
            return
        rpc_config = {"AMQP_URI": uri}

        def fetch_range(source, after, limit):
            # A source that is down may have left its durable RPC queue behind: a
            # call would wait out its whole timeout, so ask only when someone serves it.
            if not served(uri, source):
                raise ConnectionError(f"{source} is not running")
            with ClusterRpcProxy(rpc_config, timeout=5,
                                 context_data=SignedContext(Caller.system(self.application.service).as_actor())) as proxy:
                return proxy[source].integration_events(after, limit)

        connection = Connection(uri, heartbeat=0)
        tracked = TrackedConsumer(self.application, follows, fetch_range,
                                  DeadLetterPublisher(Connection(uri), self.application.service))
        self.bus_consumer = BusConsumer(connection, tracked, consumer_queue(self.application.service, follows))
        start_in_thread(self.bus_consumer, name=f"consumer-{self.application.service}")

    def stop(self):
        if self.call_server is not None:
            self.call_server.should_stop = True
        if self.bus_consumer is not None:
            self.bus_consumer.should_stop = True

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.application


def served(uri: str, service: str) -> bool:
    """Whether some instance of `service` listens for RPC now (nameko's queue `rpc-<name>`)."""
    try:
        with Connection(uri, connect_timeout=3) as connection:
            return connection.default_channel.queue_declare(f"rpc-{service}", passive=True).consumer_count > 0
    except Exception:  # no such queue, or no broker: nobody serves it now
        return False


class CallerProvider(DependencyProvider):
    """The caller's identity, as it travels signed in nameko's context data (shared.signing).

    None when missing, invalid, unsigned, badly signed, expired or for another
    service: raising here would kill the container, so `require` refuses the call instead.
    """

    def get_dependency(self, worker_ctx):
        return caller_from(verified(worker_ctx.data.get(CALLER_KEY), worker_ctx.service_name))


class Instrumentation(DependencyProvider):
    """Latency of every entrypoint, by method and outcome."""

    def worker_setup(self, worker_ctx):
        worker_ctx.data["_started"] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = worker_ctx.data.pop("_started", None)
        if started is None:
            return
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], EXPECTED):
            outcome = type(exc_info[1]).__name__
        else:
            outcome = "error"
        METRICS.rpc_latency.labels(
            worker_ctx.service_name, worker_ctx.entrypoint.method_name, outcome
        ).observe(time.perf_counter() - started)


def serves(operations: Operations):
    """Class decorator: an @rpc entrypoint for each operation of the service's access table.

    Each is `Application.perform`: the call admitted as the table says (role,
    input contract, ownership, scope), then handed to the handler the service's
    setup registered under the operation's name.
    """
    def decorate(service_cls):
        for operation in operations:
            if operation.name in vars(service_cls):
                raise TypeError(f"{service_cls.__name__}.{operation.name} is written out and declared")
            setattr(service_cls, operation.name, _entrypoint(operation))
        return service_cls
    return decorate


def _entrypoint(operation: Operation):
    def entrypoint(self, *args):
        return self.application.perform(operation.name, self.caller, *args)

    entrypoint.__name__ = entrypoint.__qualname__ = operation.name
    return rpc(expected_exceptions=EXPECTED)(entrypoint)


class ServiceBase:
    """Entrypoints every service has. Subclasses set `name` and `application`."""

    name = "base"
    application = None  # an ApplicationProvider
    caller = CallerProvider()
    instrumentation = Instrumentation()

    @http("GET", "/health")
    def health(self, request):
        provider = self.application  # the Application, injected by the provider
        try:
            position = provider.max_position()
            healthy = True
        except Exception as error:  # the store is not answering
            position, healthy = str(error), False
        body = {"service": self.name, "healthy": healthy, "store_position": position}
        return Response(json.dumps(body), status=200 if healthy else 503, mimetype="application/json")

    @http("GET", "/metrics")
    def metrics(self, request):
        body, content_type = metrics_response()
        return Response(body, content_type=content_type)

    @rpc(expected_exceptions=EXPECTED)
    def integration_events(self, after, limit=500):
        """The published form of stored events after a position: consumers catch up from here."""
        require(self.caller, "system", "state_auditor")
        if not isinstance(after, int) or after < 0:
            raise InvalidInput({"after": ["must be a position, 0 or more"]})
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidInput({"limit": ["must be between 1 and 1000"]})
        return [event.as_message() for event in self.application.integration_events(after, limit)]

    @rpc(expected_exceptions=EXPECTED)
    def integration_events_at(self, positions):
        """The published form of the stored events at some positions (audit's break-glass reads)."""
        require(self.caller, "system", "state_auditor")
        if not isinstance(positions, list) or len(positions) > 1000 or not all(
                isinstance(p, int) and p > 0 for p in positions):
            raise InvalidInput({"positions": ["must be up to 1000 positions, each 1 or more"]})
        return [event.as_message() for event in self.application.integration_events_at(positions)]

    @rpc(expected_exceptions=EXPECTED)
    def stored_digests(self, after, limit=20_000):
        """(position, digest of the stored event) after a position, for audit's verification."""
        require(self.caller, "system", "state_auditor")
        if not isinstance(after, int) or after < 0:
            raise InvalidInput({"after": ["must be a position, 0 or more"]})
        if not isinstance(limit, int) or not 1 <= limit <= 50_000:
            raise InvalidInput({"limit": ["must be between 1 and 50,000"]})
        return self.application.stored_digests(after, limit)

    @rpc(expected_exceptions=EXPECTED)
    def positions(self):
        """This service's own log position and how far it has processed each upstream."""
        require(self.caller, "system", "state_auditor")
        app = self.application
        return {"log": app.max_position(),
                "upstream": {source: app.position_in(source) for source in config.SERVICES}}
