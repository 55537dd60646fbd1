"""The OpenAPI 3.1 document, made from the route table and its marshmallow schemas."""
from __future__ import annotations

from decimal import Decimal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.gateway import schemas
from services.gateway.problems import KINDS, PROBLEM_TYPE

TITLE = "peernet API"
VERSION = "0.1.0"
INTRODUCTION = (
    "One HTTP JSON API for the statewide peer support network: agency staff, peer workers, people "
    "seeking support, supervisors and state administrators. Send a bearer token "
    "(`Authorization: Bearer <token>`); in development `make token ROLE=peer USER=<id>` mints one. "
    "Every answer carries `X-Correlation-Id`; every refusal is an RFC 9457 problem document."
)


def _schema_name(schema) -> str:
    if isinstance(schema, type):
        return schema.__name__
    # A command schema less its path ids is a body of its own.
    return type(schema).__name__ + ("Body" if schema.exclude else "")


def build_spec(routes, max_body: int) -> dict:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": INTRODUCTION})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Problem", schema=schemas.Problem)
    problem = {"$ref": "#/components/schemas/Problem"}
    for status, (slug, title, _) in KINDS.items():
        spec.components.response(f"Problem{status}", {
            "description": title, "content": {PROBLEM_TYPE: {"schema": problem}}})
    for route in routes:
        spec.path(path=route.openapi_path, operations={route.method.lower(): _operation(route, max_body)})
    return _plain(spec.to_dict())


def _plain(value):
    """Money fields' bounds come out as Decimal; JSON has numbers."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return float(value) if isinstance(value, Decimal) else value


def _operation(route, max_body: int) -> dict:
    operation = {
        "operationId": route.operation,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": [{"in": "path", "schema": route.path_schema},
                       {"in": "query", "schema": route.query_schema},
                       *({"in": "header", "name": name, "required": False, "schema": {"type": "string"},
                          "description": description} for name, description in route.headers)],
        "responses": {str(route.status): _success(route)},
        "x-roles": list(route.roles) if route.roles is not None else ["anyone"],
    }
    if route.description:
        operation["description"] = route.description
    errors = [404, 422, 500]
    if route.roles is None:
        operation["security"] = []
    else:
        operation["security"] = [{"bearer": []}]
        errors += [401, 403, 502, 503, 504]  # signed-in routes reach the services
        if route.method == "POST":
            errors.append(409)  # an act can meet a change made meanwhile (a place taken, a stale version)
            errors.append(400)  # a malformed Idempotency-Key
            operation["parameters"].append({
                "in": "header", "name": "Idempotency-Key", "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21\\x23-\\x7e]+$"},
                "description": "Send the same request again with the same key and it is carried out once: the "
                               "first answer comes back (Idempotent-Replayed: true). The same key with another "
                               "request is 422; while the first is still being carried out, 409. Kept 24 hours."
                               + (f" Without {route.creates}, the new record's id is derived from the key."
                                  if route.creates else "")})
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "description": f"A JSON object of at most {max_body} bytes.",
            "content": {"application/json": {"schema": route.body()}},
        }
        errors += [400, 413, 415]
    for status in sorted(set(errors)):
        operation["responses"][str(status)] = {"$ref": f"#/components/responses/Problem{status}"}
    return operation


def _success(route) -> dict:
    headers = {"X-Correlation-Id": {"description": "the id of this request in every log line",
                                    "schema": {"type": "string"}}}
    if route.response is not None:
        content = {"application/json": {"schema": route.response}}
    elif route.content_type == "application/json":
        content = {"application/json": {"schema": {"type": "object"}}}
    else:
        # One route may answer in several formats ("text/csv, application/x-ndjson").
        content = {kind.strip(): {"schema": {"type": "string"}} for kind in route.content_type.split(",")}
    return {"description": route.summary, "headers": headers, "content": content}
