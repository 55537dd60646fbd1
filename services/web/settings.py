"""The web pages' settings, read once from the environment.

| variable                         | default                              | meaning |
| -------------------------------- | ------------------------------------ | ------- |
| PEERNET_GATEWAY_URL              | http://127.0.0.1:<PEERNET_PORT_BASE+100> | the gateway the pages call |
| PEERNET_WEB_URL                  | http://127.0.0.1:<PEERNET_PORT_BASE>/ | where the pages are reached (sign-in's redirect address) |
| PEERNET_OIDC_ISSUER              | (unset: development sign-in)         | the state's identity provider, the same one the gateway trusts |
| PEERNET_OIDC_AUDIENCE            | peernet                              | the resource the access token is asked for (the gateway's audience) |
| PEERNET_WEB_OIDC_CLIENT_ID       | (required with an issuer)            | the pages' client at the provider |
| PEERNET_WEB_OIDC_CLIENT_SECRET   | (required with an issuer)            | its secret |
| PEERNET_WEB_SECRET_KEY           | generated into var/web.secret        | signs the session cookie |
| PEERNET_WEB_SECURE_COOKIES       | 1                                    | 0 only behind plain http that is not localhost |
| PEERNET_WEB_SESSION_HOURS        | 8                                    | a session ends this long after sign-in, whatever the cookie says |
| PEERNET_WEB_STRICT_I18N          | 0                                    | 1: a string with no Spanish translation is an error (the tests) |
| PEERNET_WEB_TIMEZONE             | America/New_York                     | the state's time zone: deadlines are shown in it |

Development sign-in (pick a synthetic user) exists only when no issuer is set,
and cannot be turned on otherwise.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from shared import config


@dataclass(frozen=True)
class Settings:
    gateway_url: str
    web_url: str
    oidc_issuer: str
    oidc_audience: str
    client_id: str
    client_secret: str
    secret_key: str
    secure_cookies: bool
    session_hours: float
    strict_i18n: bool
    timezone: str = "America/New_York"

    @property
    def development(self) -> bool:
        return not self.oidc_issuer


def from_env() -> Settings:
    base = int(config.env("PEERNET_PORT_BASE", "8100"))
    issuer = config.env("PEERNET_OIDC_ISSUER", "")
    client_id = config.env("PEERNET_WEB_OIDC_CLIENT_ID", "")
    client_secret = config.env("PEERNET_WEB_OIDC_CLIENT_SECRET", "")
    if issuer and not (client_id and client_secret):
        raise ValueError("PEERNET_WEB_OIDC_CLIENT_ID and PEERNET_WEB_OIDC_CLIENT_SECRET must be set with "
                         "PEERNET_OIDC_ISSUER")
    return Settings(
        gateway_url=config.env("PEERNET_GATEWAY_URL", f"http://127.0.0.1:{base + 100}").rstrip("/"),
        web_url=config.env("PEERNET_WEB_URL", f"http://127.0.0.1:{base}/").rstrip("/"),
        oidc_issuer=issuer,
        oidc_audience=config.env("PEERNET_OIDC_AUDIENCE", "peernet"),
        client_id=client_id,
        client_secret=client_secret,
        secret_key=config.env("PEERNET_WEB_SECRET_KEY", "")
        or config.development_key("web.secret", lambda: secrets.token_urlsafe(48)),
        secure_cookies=config.env("PEERNET_WEB_SECURE_COOKIES", "1") != "0",
        session_hours=float(config.env("PEERNET_WEB_SESSION_HOURS", "8")),
        strict_i18n=config.env("PEERNET_WEB_STRICT_I18N", "0") == "1",
        timezone=config.env("PEERNET_WEB_TIMEZONE", "America/New_York"),
    )
