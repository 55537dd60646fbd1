"""Notifications, wired: the one place its store, projection, settings, clock, links and
handlers meet. `setup(vault)` is what the nameko service, the tools and the tests build."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac

from services.notifications import commands, queries
from services.notifications.application import NotificationsApplication
from services.notifications.messages import Links
from services.notifications.settings import Settings
from shared import config
from shared.clock import Clock, utc_now
from shared.contracts.commands.notifications import OPERATIONS
from shared.handlers import bind

# Every operation of the access table, and the handler that does it.
HANDLERS = {
    "my_notifications": queries.my_notifications,
    "mark_read": commands.mark_read,
    "my_preferences": queries.my_preferences,
    "set_preferences": commands.set_preferences,
    "unsubscribe": commands.unsubscribe,
    "set_webhook": commands.set_webhook,
    "webhook_deliveries": queries.webhook_deliveries,
    "deliver_due": commands.deliver_due,
}


def unsubscribe_secret(settings: Settings) -> bytes:
    """The setting, or a key derived from the vault key (the same in every process of one network)."""
    if settings.unsubscribe_secret:
        return settings.unsubscribe_secret.encode()
    return hmac.new(config.vault_key().encode(), b"peernet notifications unsubscribe", hashlib.sha256).digest()


def setup(vault, env: dict | None = None, clock: Clock = utc_now) -> NotificationsApplication:
    settings = Settings.from_env(env)
    pages = config.web_url()
    settings = dataclasses.replace(settings, sign_in_url=settings.sign_in_url or pages,
                                   unsubscribe_url=settings.unsubscribe_url or f"{pages}notification-unsubscribes/")
    store = NotificationsApplication(vault, env, settings, clock)
    links = Links(settings.unsubscribe_url, unsubscribe_secret(settings))
    store.register(OPERATIONS, bind(HANDLERS, store=store, vault=vault, settings=settings, clock=clock, links=links))
    return store
