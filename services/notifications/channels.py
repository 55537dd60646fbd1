"""The two ways out: email over SMTP and Standard Webhooks over HTTP.

Each send takes what it needs (an opened address or endpoint) at the moment of sending and
keeps nothing; no address, endpoint or secret is ever logged. Each answers an outcome: "ok",
or the reason it failed, in words that name no address.
"""
from __future__ import annotations

import ipaddress
import re
import smtplib
import socket
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import requests
from standardwebhooks.webhooks import Webhook

from shared import config


def mailer(settings) -> "Mailer | Outbox":
    """SMTP when a server is configured; otherwise (make run, development) the outbox folder."""
    return Mailer(settings) if settings.smtp_host else Outbox(config.var_dir() / "mail")


class Outbox:
    """Development without an SMTP server: each email written whole to var/mail/ as a .eml file,
    named by its Message-ID, so a developer opens what a person would have received."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message["Message-ID"].strip("<>"))
        (self.folder / f"{name}.eml").write_bytes(bytes(message))
        return "ok"

    def close(self) -> None:
        pass


class Mailer:
    """One SMTP session for a lot of sends (opened on the first, closed at the end)."""

    def __init__(self, settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def send(self, message) -> str:
        try:
            if self.smtp is None:
                self.smtp = smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port,
                                         timeout=self.settings.send_timeout)
                if self.settings.smtp_starttls:
                    self.smtp.starttls()
                if self.settings.smtp_user:
                    self.smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            self.smtp.send_message(message)
            return "ok"
        except smtplib.SMTPRecipientsRefused:
            return "refused: the server refused the address"
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            return f"failed: {type(error).__name__}"

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def private_address(url: str) -> str | None:
    """Why an endpoint may not be posted to, or None: an admin's URL must not reach peernet's own network
    (loopback, private, link-local and reserved addresses), unless PEERNET_NOTIFY_WEBHOOK_PRIVATE allows it."""
    host = urlsplit(url).hostname
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError, TypeError):
        return "a host that does not resolve"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast \
                or ip.is_unspecified:
            return "a private or local address"
    return None


def sign(secret: str, message_id: str, at: datetime, payload: str) -> dict:
    """The three headers of Standard Webhooks: the same id on every try, so a receiver drops repeats."""
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, payload),
            "content-type": "application/json"}


def post_webhook(session: requests.Session, url: str, secret: str, message_id: str, payload: str,
                 timeout: float, private_allowed: bool = False) -> str:
    if not private_allowed:  # checked again at each send: a name may resolve elsewhere since it was set
        refused = private_address(url)
        if refused:
            return f"failed: {refused}"
    # Signed at the wall clock's time of this very try: receivers refuse a timestamp far from theirs.
    at = datetime.now(timezone.utc)
    try:
        answer = session.post(url, data=payload.encode(), headers=sign(secret, message_id, at, payload),
                              timeout=timeout, allow_redirects=False)
    except requests.RequestException as error:
        return f"failed: {type(error).__name__}"
    return "ok" if 200 <= answer.status_code < 300 else f"failed: HTTP {answer.status_code}"
