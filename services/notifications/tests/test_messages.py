"""Every message in every language is discreet: no sensitive word in a subject, sender, body,
header or webhook payload; one-click unsubscribe links cannot be forged."""
from __future__ import annotations

import json
import re

import pytest

from services.notifications import messages
from services.notifications.domain import KINDS
from services.notifications.settings import Settings
from services.notifications.setup import setup
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401
from shared.contracts.notifications import KINDS as PUBLISHED_KINDS

EXPERIENCES = json.load(open("shared/data/experiences.json", encoding="utf-8"))["experiences"]
SENSITIVE = [
    # English
    "support", "mental", "health", "recovery", "recover", "peer", "peers", "therapy", "therapist", "counsel",
    "counseling", "crisis", "substance", "addiction", "psychiatric", "diagnosis", "wellness", "supervision",
    "supervisor", "connection", "lived experience", "offer", "chose", "credential", "certified", "specialist",
    # Spanish
    "apoyo", "salud mental", "salud", "recuperación", "recuperacion", "par", "pares", "compañero", "compañera",
    "terapia", "crisis", "adicción", "adiccion", "psiquiátrico", "supervisión", "supervisor", "conexión",
    "experiencia vivida", "oferta", "credencial", "certificado",
] + [e["label"] for e in EXPERIENCES] + [e["label_es"] for e in EXPERIENCES] + [e["code"] for e in EXPERIENCES]
SETTINGS = Settings(program="Commonwealth Connect", sign_in_url="https://signin.example.org/",
                    unsubscribe_url="https://api.example.org/notification-unsubscribes/",
                    smtp_from="no-reply@example.org")
LINKS = messages.Links(SETTINGS.unsubscribe_url, b"k" * 32)


def sensitive_words_in(text: str) -> list[str]:
    return [word for word in SENSITIVE
            if re.search(rf"(?<![\w]){re.escape(word.lower())}(?![\w])", text.lower())]


def test_the_sensitive_word_check_finds_what_it_looks_for():
    assert sensitive_words_in("Your Peer is here") == ["peer"]
    assert {"apoyo", "salud mental"} <= set(sensitive_words_in("Salud mental y apoyo"))
    assert sensitive_words_in("escuchar voces") == ["escuchar voces"]


@pytest.mark.parametrize("language", messages.LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_template_in_every_language_is_discreet(kind, language):
    unsubscribe = LINKS.unsubscribe("9f1c4b9e-2d7a-4c55-8b1e-1a2b3c4d5e6f", "email")
    mail = messages.email(kind, language, SETTINGS, "robin@example.org", "msg_0123", unsubscribe)
    whole = mail.as_string()
    subject, body = messages.email_text(kind, language, SETTINGS, unsubscribe)
    payload = messages.webhook_payload(kind, "0f0e", "2026-12-05T06:00:00.000000+00:00", SETTINGS)
    for text in (whole, subject, body, mail["From"], payload):
        assert sensitive_words_in(text) == [], (kind, language, text)
    assert SETTINGS.program in subject and SETTINGS.sign_in_url in body
    assert mail["From"] == "Commonwealth Connect <no-reply@example.org>"
    assert mail["Message-ID"] == "<msg_0123@example.org>"
    assert mail["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert json.loads(payload)["type"] in ("notification.update", "notification.action", "notification.reminder")


def test_spanish_says_it_in_spanish():
    subject, body = messages.email_text("chosen", "es", SETTINGS, "https://x/")
    assert subject == "Commonwealth Connect: algo espera su respuesta" and "Inicie sesión" in body


def test_every_kind_has_a_published_name():
    assert set(KINDS) == set(PUBLISHED_KINDS)


def test_an_unsubscribe_link_reads_back_and_cannot_be_changed():
    token = LINKS.unsubscribe("person-1", "email").rpartition("/")[2]
    assert LINKS.read(token) == ("person-1", "email")
    named, _, signature = token.partition(".")
    other = messages.unsubscribe_token(b"k" * 32, "person-2", "email").partition(".")[0]
    assert LINKS.read(f"{other}.{signature}") is None
    assert LINKS.read(token[:-2] + "xx") is None
    assert messages.Links(SETTINGS.unsubscribe_url, b"other key").read(token) is None
    assert LINKS.read("not a token") is None


def test_messages_link_to_the_web_pages_of_this_network_unless_told_otherwise(app_factory, monkeypatch):
    monkeypatch.setenv("PEERNET_WEB_URL", "http://127.0.0.1:9100/")
    settings = app_factory(setup).settings
    assert settings.sign_in_url == "http://127.0.0.1:9100/"
    # A click opens the pages' unsubscribe page; a mail program's one-click POST lands there too.
    assert settings.unsubscribe_url == "http://127.0.0.1:9100/notification-unsubscribes/"
    told = app_factory(setup, env={"PEERNET_NOTIFY_SIGN_IN_URL": "https://connect.example.org/"}).settings
    assert told.sign_in_url == "https://connect.example.org/"
