"""Plain errors: every refusal is an RFC 9457 problem document.

`type` is a link into the reference page (/docs#problem-...), where each kind
of problem is explained; `errors` lists each field at fault with its message.
"""
from __future__ import annotations

import json

from werkzeug.wrappers import Response

PROBLEM_TYPE = "application/problem+json"

# status -> (slug, title in plain language, what to do about it)
KINDS = {
    400: ("malformed-request", "The request could not be read",
          "Send a JSON object in the body and check the query parameters."),
    401: ("not-signed-in", "Sign in first",
          "Send a valid bearer token in the Authorization header (make token ROLE=... in development)."),
    403: ("not-allowed", "You may not do this",
          "Your role or organization does not allow this; ask an administrator if you think it should."),
    404: ("not-found", "Nothing here",
          "The address names nothing that exists, or nothing you may know exists."),
    405: ("method-not-allowed", "This address does not accept that method",
          "Use one of the methods listed in the Allow header."),
    409: ("conflict", "This conflicts with what is already recorded",
          "Read the current state and try again."),
    413: ("body-too-large", "The request body is too large",
          "Send a smaller body."),
    415: ("unsupported-media-type", "Send JSON",
          "Set Content-Type: application/json."),
    422: ("invalid-input", "Some fields need fixing",
          "Each field at fault is listed in errors; nothing was stored."),
    500: ("internal-error", "Something went wrong on our side",
          "Nothing you sent caused this; quote the correlation id when you report it."),
    502: ("service-failed", "A service behind the gateway failed",
          "Quote the correlation id when you report it."),
    503: ("service-unavailable", "The network cannot take this request now",
          "A service behind the gateway is not running, or the network takes no changes for a while; "
          "try again shortly (after Retry-After seconds, when the answer has that header)."),
    504: ("service-timeout", "A service behind the gateway did not answer in time",
          "The outcome is unknown. Send the same request again with the same Idempotency-Key: that is safe, "
          "it is carried out once at most. Without a key, read before you try again."),
}


class Problem(Exception):
    """Raised anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, detail: str | None = None, errors: list[dict] | None = None,
                 headers: dict | None = None, extensions: dict | None = None):
        super().__init__(detail or KINDS[status][1])
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extensions = extensions or {}  # RFC 9457 extension members, e.g. a conflict's next offers


def problem_type(status: int) -> str:
    return f"/docs#problem-{KINDS[status][0]}"


def field_errors(messages, prefix: str = "") -> list[dict]:
    """Flatten marshmallow-style nested messages into [{field, message}], fields dotted."""
    if isinstance(messages, dict):
        flat = []
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            flat += field_errors(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return flat
    if isinstance(messages, (list, tuple)):
        if all(isinstance(item, str) for item in messages):
            return [{"field": prefix or "(body)", "message": item} for item in messages]
        return [error for item in messages for error in field_errors(item, prefix)]
    return [{"field": prefix or "(body)", "message": str(messages)}]


def problem_response(problem: Problem, correlation_id: str, instance: str) -> Response:
    slug, title, _ = KINDS[problem.status]
    body = {**problem.extensions, "type": problem_type(problem.status), "title": title, "status": problem.status,
            "detail": problem.detail or title, "instance": instance,
            "correlation_id": correlation_id, "errors": problem.errors}
    return Response(json.dumps(body), status=problem.status, content_type=PROBLEM_TYPE,
                    headers=problem.headers)
