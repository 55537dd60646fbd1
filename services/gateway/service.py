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
from nameko.web.handlers import HttpRequestHandler
from werkzeug.routing import PathConverter, Rule

from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import verifier_from_env
from services.gateway.idempotency import store_from_env
from services.gateway.problems import Problem
from shared import config
from shared.calls import CallClient
from shared.deadline import DeadlinePassed
from shared.errors import Conflict  # registered: errors come back as our own classes


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
        timeout = float(config.env("PEERNET_GATEWAY_RPC_TIMEOUT", "10"))
        self.client = CallClient(self.container.config["AMQP_URI"], timeout=timeout)
        # A claimed key outlasts any request a live gateway is still carrying out (several calls each).
        self.gateway.keys = store_from_env(lease=max(60.0, 4 * timeout))
        self.backend = CallBackend(self.client)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return lambda request: self.gateway.handle(request, self.backend)


class AnyPath(PathConverter):
    """Every path, control characters included (werkzeug's path stops at a line feed): the gateway answers
    and logs them all, not nameko's HTML 404."""

    regex = r"[^/][\s\S]*?"


class EveryPathRule(Rule):
    def get_converter(self, variable_name, converter_name, args, kwargs):
        if converter_name == "anything":
            return AnyPath(self.map, *args, **kwargs)
        return super().get_converter(variable_name, converter_name, args, kwargs)


class AnyMethod(HttpRequestHandler):
    """nameko's @http for every method and path: the gateway's router answers an unknown one (405, Allow; 404)."""

    def get_url_rule(self):
        return EveryPathRule(self.url, methods=None)


http = AnyMethod.decorator


class GatewayService:
    name = "gateway"
    respond = GatewayProvider()

    @http("*", "/")
    @http("*", "/<anything:path>")
    def handle(self, request, path=""):
        return self.respond(request)
