"""Notifications' routes for the role matrix (test_roles.py): each request in scope for every role
that may make it, and what the service answers."""
from services.gateway.tests.conftest import ORG

PREFERENCES = {"channels": ["email"], "email_given": True, "language": "es", "quiet_hours": None,
               "timezone": None, "webhook_url": None}


def notifications_requests(me: str, other: str) -> dict:
    return {
        "listMyNotifications": ("/me/notifications?unread_only=true", None),
        "markNotificationsRead": ("/me/notification-reads", {"all": True}),
        "readNotificationPreferences": ("/me/notification-preferences", None),
        "setNotificationPreferences": ("/me/notification-preferences", {
            "channels": ["email"], "email": "robin.synthetic@example.org", "language": "es"}),
        "unsubscribe": (f"/notification-unsubscribes/{other}.signature", None),
        "setWebhook": (f"/organizations/{ORG}/webhooks", {"url": "https://hooks.example.org/in"}),
        "listWebhookDeliveries": (f"/organizations/{ORG}/webhook-deliveries", None),
    }


NOTIFICATIONS_ANSWERS = {
    ("notifications", "my_notifications"): {"items": [{"notification_id": "n1", "kind": "chosen",
                                                        "at": "2026-12-05T06:00:00.000000+00:00",
                                                        "about": {}, "read": False}], "unread": 1},
    ("notifications", "mark_read"): {"unread": 0},
    ("notifications", "my_preferences"): PREFERENCES,
    ("notifications", "set_preferences"): PREFERENCES,
    ("notifications", "unsubscribe"): {"unsubscribed": "email"},
    ("notifications", "set_webhook"): {"organization_id": ORG, "url": "https://hooks.example.org/in",
                                       "secret": "whsec_c2VjcmV0"},
    ("notifications", "webhook_deliveries"): {"organization_id": ORG, "items": []},
}
