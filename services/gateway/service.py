"""The gateway as a nameko service: HTTP in, nameko RPC out.

Why nameko, and why one catch-all @http entrypoint serving our own werkzeug
router rather than one @http entrypoint per route: nameko gives the gateway
what every service has (the runner, eventlet workers, one shared RPC reply
queue, the caller in the context data of every outgoing call), while its
per-route http entrypoints would answer unknown addresses with HTML, turn any
unexpected exception into a text/plain 500 and offer no body limit. With one
entrypoint the gateway owns every answer (problem documents, correlation ids,
latency per route) and the route table that the OpenAPI document is made from.
"""
from __future__ import annotations

import eventlet
from nameko.exceptions import MethodNotFound, RemoteError, UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, ReplyListener
from nameko.web.handlers import http

from services.gateway.api import ROUTES
from services.gateway.app import Gateway
from services.gateway.auth import verifier_from_env
from services.gateway.problems import Problem
from shared import config
from shared.errors import Conflict  # registered: RPC errors come back as our own classes
from shared.service import CALLER_KEY

METHODS = "GET,POST,PUT,PATCH,DELETE,OPTIONS"


class RpcBackend:
    """Calls one service method with the caller's identity in the context data."""

    def __init__(self, worker_ctx, reply_listener, timeout: float):
        self.worker_ctx = worker_ctx
        self.reply_listener = reply_listener
        self.timeout = timeout

    def call(self, service: str, method: str, *args, caller):
        self.worker_ctx.data[CALLER_KEY] = caller.as_actor()
        # A request the gateway gave up on expires in the queue rather than run late.
        proxy = MethodProxy(self.worker_ctx, service, method, self.reply_listener, expiration=self.timeout)
        try:
            with eventlet.Timeout(self.timeout):
                return proxy.call_async(*args).result()
        except eventlet.Timeout:
            raise Problem(504, f"{service} did not answer within {self.timeout:g}s") from None
        except UnknownService:
            raise Problem(503, f"{service} is not running") from None
        except Conflict as conflict:
            raise Problem(409, conflict.message, extensions=conflict.extra) from None
        except RemoteError as error:
            raise Problem(502, f"{service} failed: {error.exc_type}") from None
        except MethodNotFound:
            raise Problem(502, f"{service} has no {method}") from None


class GatewayProvider(DependencyProvider):
    """The Gateway, built once at start (a bad configuration stops the process there)."""

    rpc_reply_listener = ReplyListener()

    def setup(self):
        self.gateway = Gateway(ROUTES, verifier_from_env(),
                               max_body=int(config.env("PEERNET_GATEWAY_MAX_BODY", str(64 * 1024))))
        self.timeout = float(config.env("PEERNET_GATEWAY_RPC_TIMEOUT", "10"))

    def get_dependency(self, worker_ctx):
        backend = RpcBackend(worker_ctx, self.rpc_reply_listener, self.timeout)
        return lambda request: self.gateway.handle(request, backend)


class GatewayService:
    name = "gateway"
    respond = GatewayProvider()

    @http(METHODS, "/")
    @http(METHODS, "/<path:path>")
    def handle(self, request, path=""):
        return self.respond(request)
