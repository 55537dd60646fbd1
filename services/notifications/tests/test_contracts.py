"""Notifications' integration-event contracts: one sample per contract (merged by
shared/tests/test_contracts.py), every stored event class publishes, and nothing published
holds an address, an endpoint or a secret."""
from __future__ import annotations

import json
import uuid

from eventsourcing.domain import Aggregate

from services.notifications import domain
from services.notifications.tests.test_delivery import START, World, clock, email_me, smtp, user, world  # noqa: F401
from services.notifications.translations import TRANSLATIONS
from shared.contracts import known_contracts
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

ID = uuid.UUID("2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a")


def samples(vault) -> dict[tuple[str, str, int], dict]:
    bodies = {
        "RecipientChanged": {"recipient_id": str(ID), "change": "preferences"},
        "NotificationMade": {"recipient_id": str(ID), "notification_id": str(ID), "kind": "chosen"},
        "NotificationsRead": {"recipient_id": str(ID), "notification_ids": [str(ID)]},
        "DeliveryChanged": {"delivery_id": ID, "notification_id": str(ID), "channel": "email", "status": "sent"},
        "ReminderChanged": {"reminder_id": ID, "kind": "answer_due", "status": "scheduled"},
        "ConnectionNoted": {"connection_id": str(ID)},
        "WaitlistNoted": {"request_id": str(ID), "status": "waiting"},
    }
    return {("notifications", type_, 1): body for type_, body in bodies.items()}


def test_every_notifications_contract_has_a_sample():
    assert {key for key in known_contracts() if key[0] == "notifications"} == set(samples(None))


def test_every_stored_event_class_has_a_translation():
    classes = {value for aggregate in (domain.Recipient, domain.Delivery, domain.Reminder, domain.Pair,
                                                     domain.Waiting)
               for value in vars(aggregate).values()
               if isinstance(value, type) and issubclass(value, Aggregate.Event)
               and value.__qualname__.count(".") == 1 and value.__name__ not in ("Event", "Created")}
    assert classes and classes <= set(TRANSLATIONS)


def test_what_is_published_is_valid_and_holds_no_address_or_secret(world):  # noqa: F811
    peer, person = user("peer"), user()
    email_me(world, peer, address="published.never.synthetic@example.org",
             quiet_hours={"start": "09:00", "end": "17:00"})
    email_me(world, person)
    choice = world.chose(person.user_id, peer.user_id)
    world.send("matching", "ChoiceAccepted", {"person_id": person.user_id, "choice_id": choice})
    world.send("matching", "ConnectionBegan", {"connection_id": str(ID), "person_id": person.user_id,
                                               "peer_worker_id": peer.user_id})
    admin = world.app.perform("set_webhook", Caller(user_id="a", role="agency_admin", organization_id="org-1"),
                              {"url": "http://127.0.0.1:9/hooks"})
    world.deliver()
    world.app.perform("mark_read", person, {"all": True})
    world.send("intake", "PersonForgotten", {"person_id": person.user_id})
    published = world.app.integration_events(0, 1000)  # each checked against its contract as it is built
    text = json.dumps([event.as_message() for event in published])
    assert {event.type for event in published} >= {"RecipientChanged", "NotificationMade", "NotificationsRead",
                                                    "DeliveryChanged", "ReminderChanged", "ConnectionNoted"}
    for secret in ("published.never.synthetic@example.org", "robin.synthetic@example.org", admin["secret"],
                   "127.0.0.1:9"):
        assert secret not in text
