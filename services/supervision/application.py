"""Supervision's Application. It follows directory; its domain comes with issue 7."""
from shared.application import ServiceApplication


class SupervisionApplication(ServiceApplication):
    service = "supervision"
    follows = ("directory",)
    translations = {}
