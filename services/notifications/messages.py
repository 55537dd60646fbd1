"""What leaves peernet, worded: every email and webhook is made here, and says only that there
is an update (or something to answer, or a reminder) and where to sign in.

Discreet by default: no message, subject, sender name or payload names support, mental health,
recovery, peers or any lived-experience item, nor who or what the update is about. The only
name it carries is the program's (a setting); tests/test_messages.py renders every kind in
every language and fails on a list of sensitive words.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from email.charset import QP, Charset
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate

from services.notifications.domain import CATEGORIES

LANGUAGES = ("en", "es")
UTF8 = Charset("utf-8")
UTF8.header_encoding = UTF8.body_encoding = QP  # readable in the raw message, unlike base64
TEXT = {
    "en": {
        "update": ("{program}: there is an update for you", "There is an update for you in {program}."),
        "action": ("{program}: something is waiting for your answer",
                   "Something in {program} is waiting for your answer."),
        "reminder": ("{program}: a reminder", "There is a reminder for you in {program}."),
        "sign_in": "Sign in to see it:",
        "stop": "To stop these emails, open:",
        "greeting": "Hello,",
    },
    "es": {
        "update": ("{program}: tiene una novedad", "Tiene una novedad en {program}."),
        "action": ("{program}: algo espera su respuesta", "Algo en {program} espera su respuesta."),
        "reminder": ("{program}: un recordatorio", "Tiene un recordatorio en {program}."),
        "sign_in": "Inicie sesión para verlo:",
        "stop": "Para dejar de recibir estos correos, abra:",
        "greeting": "Hola:",
    },
}


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def email_text(kind: str, language: str, settings, unsubscribe: str) -> tuple[str, str]:
    """(subject, plain text body) of one notification."""
    text = TEXT[language_of(language)]
    subject, line = text[CATEGORIES[kind]]
    body = (f"{text['greeting']}\n\n{line.format(program=settings.program)}\n\n"
            f"{text['sign_in']}\n{settings.sign_in_url}\n\n{text['stop']}\n{unsubscribe}\n")
    return subject.format(program=settings.program), body


def email(kind: str, language: str, settings, to: str, message_id: str, unsubscribe: str) -> MIMEText:
    """Built with the compat32 classes: the header registry of EmailMessage cost more than the send."""
    subject, body = email_text(kind, language, settings, unsubscribe)
    message = MIMEText(body, "plain", UTF8)
    message["From"] = formataddr((settings.program, settings.smtp_from), charset="utf-8")
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8") if not subject.isascii() else subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{message_id}@{settings.smtp_from.rpartition('@')[2] or 'localhost'}>"
    message["Content-Language"] = language_of(language)
    # RFC 8058: one POST to this address unsubscribes, with no sign-in and no further step.
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    return message


def webhook_payload(kind: str, notification_id: str, at: str, settings) -> str:
    """Standard Webhooks' shape (type, timestamp, data); the category, never the kind."""
    return json.dumps({"type": f"notification.{CATEGORIES[kind]}", "timestamp": at,
                       "data": {"notification_id": notification_id, "sign_in": settings.sign_in_url}},
                      separators=(",", ":"))


# -- one-click unsubscribe links -----------------------------------------------------------------
def _signature(secret: bytes, key: str, channel: str) -> str:
    digest = hmac.new(secret, f"{key}\x1f{channel}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def unsubscribe_token(secret: bytes, key: str, channel: str) -> str:
    named = base64.urlsafe_b64encode(f"{key}\x1f{channel}".encode()).decode().rstrip("=")
    return f"{named}.{_signature(secret, key, channel)}"


def read_unsubscribe_token(secret: bytes, token: str) -> tuple[str, str] | None:
    """(recipient key, channel) of a token this service signed, else None."""
    named, _, signature = token.partition(".")
    try:
        key, _, channel = base64.urlsafe_b64decode(named + "=" * (-len(named) % 4)).decode().partition("\x1f")
    except (ValueError, UnicodeDecodeError):
        return None
    if not channel or not hmac.compare_digest(signature, _signature(secret, key, channel)):
        return None
    return key, channel


class Links:
    """The one-click unsubscribe link of a recipient and channel, and reading one back."""

    def __init__(self, base_url: str, secret: bytes):
        self.base_url, self.secret = base_url, secret

    def unsubscribe(self, key: str, channel: str) -> str:
        return self.base_url + unsubscribe_token(self.secret, key, channel)

    def read(self, token: str) -> tuple[str, str] | None:
        return read_unsubscribe_token(self.secret, token)
