"""The gateway's request cycle, independent of how it is served.

Every request: a correlation id; the route; the bearer token (unless the
route is public); the role; path, query and body checked against the route's
marshmallow schemas; the handler, which calls the services with the caller's
identity; the answer dumped through the route's response schema. Whatever
goes wrong becomes a problem document; every answer carries X-Correlation-Id
and is timed per route.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from marshmallow import Schema, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound as NoRoute
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from services.gateway import idempotency, pagination
from services.gateway.auth import TokenRefused, Verifier
from services.gateway import metrics
from services.gateway.metrics import REQUEST_LATENCY
from services.gateway.openapi import build_spec
from services.gateway.problems import Problem, field_errors, problem_response
from shared.errors import InvalidInput, NotAllowed, NotFound
from shared.identity import Caller
from shared.logs import CORRELATION_ID
from shared.operations import Operation

log = logging.getLogger("peernet.gateway")
CORRELATION_HEADER = "X-Correlation-Id"
_CLIENT_CORRELATION = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# A bearer token is a few hundred bytes; anything this long is not one (and must not reach the verifier).
MAX_AUTHORIZATION = 8 * 1024


class _NoParameters(Schema):
    pass


@dataclass(frozen=True)
class Route:
    method: str
    path: str                     # werkzeug rule: /peer-workers/<peer_worker_id>
    operation: str                # operationId, and the route's metrics label
    summary: str
    tag: str
    handler: Callable[["Call"], Any]
    # None: public, no token needed. An Operation of a service's access table: its roles, and
    # its ownership and scope rules checked on the path, query and body before any call.
    roles: tuple[str, ...] | Operation | None
    path_schema: type[Schema] = _NoParameters
    query_schema: type[Schema] = _NoParameters
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    description: str = ""
    content_type: str = "application/json"  # of a successful answer
    headers: tuple[tuple[str, str], ...] = ()  # (name, description) of request headers the route reads
    # The body field naming what a POST creates: filled from the Idempotency-Key when the client sends
    # none (idempotency.derived_id), so a retry the key store could not answer is refused by the service.
    creates: str | None = None

    access: Operation | None = None

    def __post_init__(self):
        if isinstance(self.roles, Operation):
            object.__setattr__(self, "access", self.roles)
            object.__setattr__(self, "roles", self.roles.public_roles)

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.path)


@dataclass
class Reply:
    """A handler's answer when it needs headers too (a plain dict is the body alone)."""
    body: Any
    headers: dict = field(default_factory=dict)


@dataclass
class Call:
    """What a handler gets: who calls, the checked inputs, and the services."""
    gateway: "Gateway"
    caller: Caller | None
    path: dict
    query: dict
    body: dict | None
    raw_body: dict | None  # as sent, for the services to check again
    backend: Any
    headers: Any = None  # the request's, for a handler that negotiates what it answers

    def rpc(self, service: str, method: str, *args):
        return self.backend.call(service, method, *args, caller=self.caller)


class Gateway:
    def __init__(self, routes: list[Route], verifier: Verifier, max_body: int = 64 * 1024,
                 keys: idempotency.IdempotencyStore | None = None):
        self.routes = routes
        self.verifier = verifier
        self.max_body = max_body
        self.keys = keys  # None: Idempotency-Key is refused (a gateway must keep keys to honour them)
        self.url_map = Map([Rule(route.path, methods=[route.method], endpoint=route) for route in routes],
                           strict_slashes=False)
        # Bound once: routes name no host, and binding to each request's environ cost more than the match.
        self.urls = self.url_map.bind("gateway")
        metrics.start(routes)
        self._openapi = None

    @property
    def openapi(self) -> dict:
        if self._openapi is None:
            self._openapi = build_spec(self.routes, self.max_body)
        return self._openapi

    def handle(self, request: Request, backend) -> Response:
        started = time.perf_counter()
        correlation_id = self._correlation_id(request)
        token = CORRELATION_ID.set(correlation_id)
        label, caller = "unmatched", None
        try:
            try:
                route, values = self._match(request)
                label = route.operation
                caller = self._authenticate(request, route, correlation_id)
                response = self._dispatch(route, values, request, caller, backend)
            except Problem as problem:
                response = problem_response(problem, correlation_id, request.path)
            except Exception:
                log.exception("unexpected failure in %s %s correlation_id=%s", request.method, label, correlation_id)
                response = problem_response(Problem(500), correlation_id, request.path)
            response.headers[CORRELATION_HEADER] = correlation_id
            elapsed = time.perf_counter() - started
            REQUEST_LATENCY.labels(label, request.method, str(response.status_code)).observe(elapsed)
            # Fields of a JSON line (shared.logs): the path as sent, escaped, never able to start a line of its own.
            log.info("request", extra={"method": request.method, "path": request.path, "route": label,
                                       "status": response.status_code, "duration_ms": round(elapsed * 1000, 1),
                                       "role": caller.role if caller else None})
            return response
        finally:
            CORRELATION_ID.reset(token)

    # -- the steps ------------------------------------------------------------
    def _match(self, request: Request) -> tuple[Route, dict]:
        try:
            return self.urls.match(request.path, request.method)
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or ()))
            raise Problem(405, f"{request.path} accepts {allowed}", headers={"Allow": allowed}) from None
        except (NoRoute, RequestRedirect):
            raise Problem(404, f"there is nothing at {request.path}") from None

    def _authenticate(self, request: Request, route: Route, correlation_id: str) -> Caller | None:
        if route.roles is None:
            return None
        authorization = request.headers.get("Authorization", "")
        challenge = {"WWW-Authenticate": 'Bearer realm="peernet"'}
        if len(authorization) > MAX_AUTHORIZATION:
            raise Problem(401, f"the Authorization header is longer than {MAX_AUTHORIZATION} bytes: "
                               "send a bearer token", headers=challenge,
                          errors=[{"field": "Authorization", "message": "too long to be a token"}])
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Problem(401, "send a bearer token: Authorization: Bearer <token>", headers=challenge)
        try:
            caller = self.verifier.caller(token.strip(), correlation_id)
        except TokenRefused as refused:
            raise Problem(401, str(refused),
                          headers={"WWW-Authenticate": 'Bearer realm="peernet", error="invalid_token"'}) from None
        if caller.role not in route.roles:
            raise Problem(403, f"the role {caller.role} may not {route.summary[0].lower() + route.summary[1:]}; "
                               f"allowed: {', '.join(route.roles)}")
        return caller

    def _dispatch(self, route: Route, values: dict, request: Request, caller, backend) -> Response:
        try:
            path = _schema(route.path_schema).load(values)
        except ValidationError as error:
            raise Problem(404, "the address names nothing that exists",
                          errors=field_errors(error.normalized_messages())) from None
        query = _load(_schema(route.query_schema), request.args.to_dict())
        raw_body = self._read_body(request) if route.body else None
        key = self._idempotency_key(request, route)
        if key is None:
            return self._run(route, path, query, raw_body, request, caller, backend)
        fingerprint = self.keys.fingerprint(caller.user_id, key, request.method, request.path,
                                            {"query": request.args.to_dict(), "body": raw_body})
        try:
            first = self.keys.begin(caller.user_id, key, fingerprint)
        except idempotency.KeyInFlight:
            raise Problem(409, "a request with this Idempotency-Key is still being carried out: "
                               "wait for its answer, then send it again", errors=[
                              {"field": idempotency.HEADER, "message": "in use by a request not yet answered"}]) from None
        except idempotency.KeyReused:
            raise Problem(422, "this Idempotency-Key came before with another request: use a new key for "
                               "a new request", errors=[
                              {"field": idempotency.HEADER, "message": "already used for another request"}]) from None
        if first is not None:
            return Response(first.body, status=first.status, headers={**first.headers, "Idempotent-Replayed": "true"})
        if route.creates and raw_body is not None and raw_body.get(route.creates) is None:
            raw_body = {**raw_body, route.creates: idempotency.derived_id(caller.user_id, key)}
        try:
            response = self._run(route, path, query, raw_body, request, caller, backend)
        except BaseException:
            self.keys.release(caller.user_id, key)
            raise
        if 200 <= response.status_code < 300 and not response.is_streamed:
            self.keys.finish(caller.user_id, key, idempotency.Answer(
                response.status_code, {name: response.headers[name] for name in idempotency.KEPT_HEADERS
                                       if name in response.headers}, response.get_data()))
        else:  # nothing was done, or nobody knows what: a retry runs again (and the service refuses a double)
            self.keys.release(caller.user_id, key)
        return response

    def _idempotency_key(self, request: Request, route: Route) -> str | None:
        sent = request.headers.get(idempotency.HEADER)
        if sent is None:
            return None
        if route.method != "POST" or route.roles is None:
            raise Problem(400, f"{idempotency.HEADER} is for POST requests that need a token",
                          errors=[{"field": idempotency.HEADER, "message": "not accepted here"}])
        key = idempotency.parse_key(sent)
        if key is None:
            raise Problem(400, f"{idempotency.HEADER} must be 1 to 255 printable ASCII characters, "
                               "for instance a UUID", errors=[{"field": idempotency.HEADER, "message": "not a key"}])
        if self.keys is None:
            raise Problem(503, "this gateway keeps no idempotency keys now: send the request without one or later")
        return key

    def _run(self, route: Route, path: dict, query: dict, raw_body, request: Request, caller, backend) -> Response:
        body = _load(_schema(route.body), raw_body) if route.body else None
        call = Call(self, caller, path, query, body, raw_body, backend, request.headers)
        try:
            if route.access is not None:  # the service checks again; refusing here spares the call
                route.access.check(caller, {**query, **(body or {}), **path})
            result = route.handler(call)
        except InvalidInput as refused:
            if "after" in refused.field_errors:  # a position the service cannot place came from the cursor
                messages = [error["message"] for error in field_errors(refused.field_errors["after"])]
                raise pagination.bad_cursor(messages) from None
            if _names_nothing(refused.field_errors, path):
                raise Problem(404, str(refused), errors=field_errors(refused.field_errors)) from None
            raise Problem(422, str(refused), errors=field_errors(refused.field_errors),
                          extensions=getattr(refused, "extra", None)) from None
        except NotAllowed as refused:
            raise Problem(403, str(refused)) from None
        except NotFound as missing:
            raise Problem(404, str(missing) or None) from None
        if isinstance(result, Response):
            return result
        reply = result if isinstance(result, Reply) else Reply(result)
        payload = _schema(route.response).dump(reply.body) if route.response else reply.body
        return Response(json.dumps(payload), status=route.status,
                        content_type="application/json", headers=reply.headers)

    def _read_body(self, request: Request) -> dict:
        if request.content_length is not None and request.content_length > self.max_body:
            raise Problem(413, f"the body may be at most {self.max_body} bytes")
        mimetype = request.mimetype
        if mimetype != "application/json" and not mimetype.endswith("+json"):
            raise Problem(415, f"send the body as application/json, not {mimetype or 'nothing'}")
        # A chunked body has no Content-Length: read at most one byte past the limit to know.
        raw = request.stream.read(self.max_body + 1)
        if len(raw) > self.max_body:
            raise Problem(413, f"the body may be at most {self.max_body} bytes")
        try:
            data = json.loads(raw, object_pairs_hook=_refuse_duplicates)
        except _DuplicateKey as duplicate:
            raise Problem(422, "a field is named twice in the body", errors=[
                {"field": duplicate.name, "message": "named more than once: send each field once"}]) from None
        except ValueError:
            raise Problem(400, "the body is not valid JSON") from None
        except RecursionError:
            raise Problem(400, "the body nests too deeply to read") from None
        if not isinstance(data, dict):
            raise Problem(422, "the body must be a JSON object",
                          errors=[{"field": "(body)", "message": "expected a JSON object"}])
        unreadable = _lone_surrogates(data)
        if unreadable:
            raise Problem(422, "some text is not valid Unicode", errors=[
                {"field": name, "message": "holds a lone surrogate (\\ud800-\\udfff): not a character"}
                for name in unreadable])
        return data

    @staticmethod
    def _correlation_id(request: Request) -> str:
        offered = request.headers.get(CORRELATION_HEADER, "")
        return offered if _CLIENT_CORRELATION.match(offered) else uuid.uuid4().hex


_NOTHING = re.compile(r"^(no |.* knows no )")


def _names_nothing(field_errors: dict, path: dict) -> bool:
    """A service's "no such thing" about an id the address names: the address names nothing (404), as a
    read of it would say; the same words about an id in the body stay a field to fix (422)."""
    return bool(field_errors) and all(
        name in path and all(_NOTHING.match(str(message)) for message in
                             (messages if isinstance(messages, (list, tuple)) else [messages]))
        for name, messages in field_errors.items())


class _DuplicateKey(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _refuse_duplicates(pairs: list) -> dict:
    """JSON allows a name twice and keeps the last; two readers of one body could then disagree."""
    data = {}
    for name, value in pairs:
        if name in data:
            raise _DuplicateKey(name)
        data[name] = value
    return data


def _lone_surrogates(value, at: str = "") -> list[str]:
    """The fields holding text JSON can escape but UTF-8 cannot encode ("\\ud800"), dotted like field errors."""
    if isinstance(value, str):
        return [at or "(body)"] if _SURROGATE.search(value) else []
    if isinstance(value, dict):
        found = []
        for name, item in value.items():
            label = f"{at}.{name}" if at else name
            found += [label] if _SURROGATE.search(name) else _lone_surrogates(item, label)
        return found
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in _lone_surrogates(item, f"{at}.{index}")]
    return []


_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.cache
def _schema(schema_class) -> Schema:
    """One instance of each route's schema: marshmallow deep-copies every field into each new instance,
    which cost more than loading the input; an instance keeps nothing of what it loaded."""
    return schema_class()


def _load(schema: Schema, data: dict) -> dict:
    try:
        return schema.load(data)
    except ValidationError as error:
        raise Problem(422, errors=field_errors(error.normalized_messages())) from None

