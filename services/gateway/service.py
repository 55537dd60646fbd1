"""The gateway as a WSGI application: HTTP in, calls to the services out (shared.calls).

Served by eventlet's WSGI server (run.py), not as a nameko service: nameko's
@http entrypoint made a worker for each request (a worker context, every
dependency's setup and teardown, a green thread and an event to wait on),
which cost the gateway more CPU than intake spent carrying out the command.
The gateway owns every answer anyway (problem documents, correlation ids,
latency per route, /health) through its own werkzeug router and the route
table the OpenAPI document is made from.
"""
from __future__ import annotations

from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from werkzeug.wrappers import Request

from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import verifier_from_env
from services.gateway.idempotency import store_from_env
from services.gateway.problems import Problem
from shared import config
from shared.calls import BrokerBlocked, CallClient
from shared.deadline import DeadlinePassed
from shared.errors import Conflict  # registered: errors come back as our own classes


BLOCKED_RETRY_AFTER = 30  # seconds; a disk alarm lasts until someone frees space


class CallBackend:
    """Calls one service method with the caller's identity, over shared.calls (which signs it for that service)."""

    def __init__(self, client: CallClient):
        self.client = client

    def call(self, service: str, method: str, *args, caller):
        try:
            return self.client.call(service, method, *args, caller=caller.as_actor())
        except (TimeoutError, DeadlinePassed):
            raise Problem(504, f"{service} did not answer within {self.client.timeout:g}s: whether it was done is "
                               "not known. Sending the same request again with the same Idempotency-Key is safe: "
                               "it is done once at most") from None
        except (UnknownService, ConnectionError):
            raise Problem(503, f"{service} is not running") from None
        except BrokerBlocked as blocked:
            # At once, rather than after the whole timeout: the broker has said it takes nothing now.
            raise Problem(503, "the network is not accepting changes right now (its message broker is short of "
                               "disk space or memory); try again later. " + (
                                   "This request had already gone out: whether it will be done is not known, so "
                                   "read before you send it again." if blocked.sent else "Nothing was done."),
                          headers={"Retry-After": str(BLOCKED_RETRY_AFTER)}) from None
        except Conflict as conflict:
            raise Problem(409, conflict.message, extensions=conflict.extra) from None
        except RemoteError as error:
            raise Problem(502, f"{service} failed: {error.exc_type}") from None
        except MethodNotFound:
            raise Problem(502, f"{service} has no {method}") from None


class GatewayApp:
    """The Gateway, its one client for calls and its key store, built once at start; a WSGI callable."""

    def __init__(self, amqp_uri: str):
        self.gateway = Gateway(ROUTES, verifier_from_env(),
                               max_body=int(config.env("PEERNET_GATEWAY_MAX_BODY", str(64 * 1024))))
        timeout = float(config.env("PEERNET_GATEWAY_RPC_TIMEOUT", "10"))
        self.client = CallClient(amqp_uri, timeout=timeout)
        # A claimed key outlasts any request a live gateway is still carrying out (several calls each).
        self.gateway.keys = store_from_env(lease=max(60.0, 4 * timeout))
        self.backend = CallBackend(self.client)
        self.under_way = 0  # requests being answered: what stopping waits for (not idle kept-alive connections)

    def __call__(self, environ, start_response):
        self.under_way += 1
        try:  # the response is built whole before it is returned
            return self.gateway.handle(Request(environ), self.backend)(environ, start_response)
        finally:
            self.under_way -= 1

    def close(self) -> None:
        self.client.close()
