"""The gateway as the demo's callers see it: one role per call, a development token each,
a few retries while a service is busy, and answers that say whether a step was already done."""
from __future__ import annotations

import threading
import time

import requests

from shared.dev_tokens import mint_development_token
from shared.network import GATEWAY, specs

NOT_ANSWERING = 503  # no service took the call; a 504 may still be applied, so it is not sent again


class Refused(Exception):
    """The gateway refused a step the demo expected to work: its problem document says why."""

    def __init__(self, method: str, path: str, answer: requests.Response):
        super().__init__(f"{method} {path} -> {answer.status_code}: {answer.text[:500]}")
        self.status = answer.status_code
        self.body = answer.text


def default_gateway_url() -> str:
    """Where `make run` puts the gateway (PEERNET_PORT_BASE + 100)."""
    [gateway] = specs(services=(GATEWAY,))
    return f"http://127.0.0.1:{gateway.port}"


def already(answer: requests.Response) -> bool:
    """A repeat the services answer as a conflict, or as input naming something that exists already."""
    return answer.status_code == 409 or (answer.status_code == 422 and "already" in answer.text)


class Gateway:
    def __init__(self, base_url: str, secret: str | None = None, retries: int = 6):
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.retries = retries
        self._local = threading.local()
        self._tokens: dict[tuple, str] = {}

    def _session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def _token(self, role: str, user_id: str, organization_id: str | None) -> str:
        key = (role, user_id, organization_id)
        if key not in self._tokens:
            self._tokens[key] = mint_development_token(role, user_id, organization_id, secret=self.secret)
        return self._tokens[key]

    def call(self, method: str, path: str, role: str, user_id: str = "demo-loader",
             organization_id: str | None = None, json=None) -> requests.Response:
        """Tried again only when the call cannot have reached a service (nothing to double)."""
        headers = {"Authorization": f"Bearer {self._token(role, user_id, organization_id)}"}
        attempt = 0
        while True:
            try:
                answer = self._session().request(method, self.base_url + path, headers=headers, json=json, timeout=30)
                if answer.status_code != NOT_ANSWERING or attempt == self.retries:
                    return answer
            except requests.ConnectionError:
                if attempt == self.retries:
                    raise
            attempt += 1
            time.sleep(0.2 * 2 ** attempt)

    def ok(self, method: str, path: str, role: str, **kw) -> dict:
        """The answer's body; anything but 2xx stops the demo with the gateway's own words."""
        answer = self.call(method, path, role, **kw)
        if answer.status_code >= 300:
            raise Refused(method, path, answer)
        return answer.json()

    def act(self, method: str, path: str, role: str, **kw) -> dict | None:
        """Do a step: its answer, or None when it was done before."""
        answer = self.call(method, path, role, **kw)
        if already(answer):
            return None
        if answer.status_code >= 300:
            raise Refused(method, path, answer)
        return answer.json()

    def read(self, path: str, role: str, **kw) -> dict | None:
        """A read, or None when there is nothing there yet."""
        answer = self.call("GET", path, role, **kw)
        if answer.status_code == 404:
            return None
        if answer.status_code >= 300:
            raise Refused("GET", path, answer)
        return answer.json()

    def every(self, path: str, role: str, **kw) -> list[dict]:
        """Every item of a cursor-paged list."""
        items, cursor = [], None
        joiner = "&" if "?" in path else "?"
        while True:
            page = self.ok("GET", path + (f"{joiner}cursor={cursor}" if cursor else ""), role, **kw)
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items
