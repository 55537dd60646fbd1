"""The gateway's public API, as the pages call it: JSON over HTTP with the signed-in
user's bearer token. Errors come back as the gateway's problem documents."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests


PROBLEM_MEMBERS = ("type", "title", "status", "detail", "instance", "correlation_id", "errors")


@dataclass
class ApiError(Exception):
    """A problem document the gateway answered (RFC 9457), kept whole for the page."""
    status: int
    detail: str = ""
    errors: list = field(default_factory=list)  # [{"field": ..., "message": ...}]
    extensions: dict = field(default_factory=dict)  # RFC 9457 extension members, e.g. refused_duties

    def field_messages(self) -> dict[str, str]:
        return {error.get("field", ""): error.get("message", "") for error in self.errors}


class Gateway:
    def __init__(self, base_url: str, token: str | None = None, session: requests.Session | None = None,
                 timeout: float = 15.0):
        self.base_url = base_url
        self.token = token
        self.http = session or requests.Session()
        self.timeout = timeout
        self.calls = 0
        self.seconds = 0.0  # spent waiting for the gateway: a page's Server-Timing says so

    def get(self, path: str, headers: dict | None = None, **params):
        return self._call("GET", path, headers, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict | None = None, headers: dict | None = None):
        return self._call("POST", path, headers, json=body if body is not None else {})

    def stream(self, path: str, **params) -> tuple[str, object]:
        """A download passed on as it comes: (its content type, its chunks). A refusal before the
        first byte is an ApiError like any other."""
        answer = self._call("GET", path, {"Accept": "*/*"}, raw=True, stream=True,
                            params={k: v for k, v in params.items() if v is not None})

        def chunks():
            with answer:
                yield from answer.iter_content(chunk_size=64 * 1024)
        return answer.headers.get("Content-Type", "application/octet-stream"), chunks()

    def _call(self, method: str, path: str, extra_headers: dict | None = None, raw: bool = False, **kwargs):
        headers = {"Accept": "application/json", **(extra_headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        try:
            answer = self.http.request(method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs)
        except requests.RequestException:
            raise ApiError(503, "peernet cannot be reached just now") from None
        finally:
            self.calls += 1
            self.seconds += time.perf_counter() - started
        if raw and answer.status_code < 400:
            return answer
        if answer.status_code >= 400:
            try:
                problem = answer.json()
            except ValueError:
                problem = {}
            raise ApiError(answer.status_code, problem.get("detail") or problem.get("title") or "",
                           problem.get("errors") or [],
                           {key: value for key, value in problem.items() if key not in PROBLEM_MEMBERS})
        return answer.json() if answer.content else None


def read_or_none(api: Gateway, path: str, **params):
    """A record that may not exist yet (404), as None."""
    try:
        return api.get(path, **params)
    except ApiError as error:
        if error.status == 404:
            return None
        raise


def read_every(api: Gateway, path: str, page: int = 200, **filters) -> list:
    """Every item of a paged list (200 a page, the gateway's most), for lists that stay short."""
    items, cursor = [], None
    while True:
        answer = api.get(path, limit=page, cursor=cursor, **filters)
        items += answer["items"]
        cursor = answer.get("next_cursor")
        if not cursor:
            return items
