"""Notifications' settings: every variable it reads, read once at setup (shared.settings)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class Settings(ServiceSettings):
    program: str = setting("PEERNET_NOTIFY_PROGRAM", "Connect",
                           "the program's name, the only name a message sent outside carries (the state's choice)")
    sign_in_url: str = setting("PEERNET_NOTIFY_SIGN_IN_URL", "",
                               "where every message sends its reader to sign in (default: the web pages, "
                               "PEERNET_WEB_URL)")
    unsubscribe_url: str = setting("PEERNET_NOTIFY_UNSUBSCRIBE_URL", "",
                                   "the one-click unsubscribe address, a token appended (default: the web pages' "
                                   "/notification-unsubscribes/, which a click opens and a mail program posts to)")
    unsubscribe_secret: str = setting("PEERNET_NOTIFY_UNSUBSCRIBE_SECRET", "",
                                      "key that signs unsubscribe links (default: derived from the vault key)")
    smtp_host: str = setting("PEERNET_SMTP_HOST", "", "the SMTP server email goes through (none: development, "
                             "each email is written to var/mail/ as a .eml file instead)")
    smtp_port: int = setting("PEERNET_SMTP_PORT", 25, "its port")
    smtp_user: str = setting("PEERNET_SMTP_USER", "", "user to log in as (none: no login)")
    smtp_password: str = setting("PEERNET_SMTP_PASSWORD", "", "its password")
    smtp_starttls: bool = setting("PEERNET_SMTP_STARTTLS", False, "STARTTLS before anything is sent")
    smtp_from: str = setting("PEERNET_SMTP_FROM", "no-reply@localhost",
                             "the sender's address (its domain also names each Message-ID)")
    timezone: str = setting("PEERNET_NOTIFY_TIMEZONE", "America/New_York",
                            "quiet hours are read in this zone unless a user gives their own")
    answer_reminder_hours: float = setting("PEERNET_NOTIFY_ANSWER_REMINDER_HOURS", 24.0,
                                           "hours before a peer worker's deadline to answer that they are reminded")
    deliver_interval: float = setting("PEERNET_NOTIFY_INTERVAL", 1.0,
                                      "seconds between sending what is due (and firing due reminders)")
    batch: int = setting("PEERNET_NOTIFY_BATCH", 100, "sends recorded together (a crash resends at most these)")
    retry_seconds: float = setting("PEERNET_NOTIFY_RETRY_SECONDS", 30.0,
                                   "first wait after a failed send; each next one is 4 times longer")
    attempts: int = setting("PEERNET_NOTIFY_ATTEMPTS", 6, "sends tried before giving up")
    webhook_private: bool = setting("PEERNET_NOTIFY_WEBHOOK_PRIVATE", False,
                                    "webhooks may go to private and loopback addresses (development and tests only)")
    send_timeout: float = setting("PEERNET_NOTIFY_SEND_TIMEOUT", 10.0, "seconds a send may take")
