"""The gateway as a nameko service: HTTP in, calls to the services out (shared.calls).

Why nameko, and why one catch-all @http entrypoint serving our own werkzeug
router rather than one @http entrypoint per route: nameko gives the gateway
what every service has (the runner, eventlet workers, /health), while its
per-route http entrypoints would answer unknown addresses with HTML, turn any
unexpected exception into a text/plain 500 and offer no body limit. With one
entrypoint the gateway owns every answer (problem documents, correlation ids,
latency per route) and the route table that the OpenAPI document is made from.
"""
from __future__ import annotations

from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http

from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import verifier_from_env
from services.gateway.problems import Problem
from shared import config
from shared.calls import CallClient
from shared.errors import Conflict  # registered: errors come back as our own classes

METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS"


class CallBackend:
    """Calls one service method with the caller's identity, over shared.calls."""

    def __init__(self, client: CallClient):
        self.client = client

    def call(self, service: str, method: str, *args, caller):
        try:
            return self.client.call(service, method, *args, caller=caller.as_actor())
        except TimeoutError:
            raise Problem(504, f"{service} did not answer within {self.client.timeout:g}s") from None
        except (UnknownService, ConnectionError):
            raise Problem(503, f"{service} is not running") from None
        except Conflict as conflict:
            raise Problem(409, conflict.message, extensions=conflict.extra) from None
        except RemoteError as error:
            raise Problem(502, f"{service} failed: {error.exc_type}") from None
        except MethodNotFound:
            raise Problem(502, f"{service} has no {method}") from None


class GatewayProvider(DependencyProvider):
    """The Gateway and its one connection for calls, built once at start."""

    def setup(self):
        self.gateway = Gateway(ROUTES, verifier_from_env(),
                               max_body=int(config.env("PEERNET_GATEWAY_MAX_BODY", str(64 * 1024))))
        self.client = CallClient(self.container.config["AMQP_URI"],
                                 timeout=float(config.env("PEERNET_GATEWAY_RPC_TIMEOUT", "10")))
        self.backend = CallBackend(self.client)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return lambda request: self.gateway.handle(request, self.backend)


class GatewayService:
    name = "gateway"
    respond = GatewayProvider()

    @http(METHODS, "/")
    @http(METHODS, "/<path:path>")
    def handle(self, request, path=""):
        return self.respond(request)
