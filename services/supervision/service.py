"""Supervision as a nameko service: a thin adapter over SupervisionApplication."""
from services.supervision.application import SupervisionApplication
from shared.service import ApplicationProvider, ServiceBase


class SupervisionService(ServiceBase):
    name = "supervision"
    application = ApplicationProvider(SupervisionApplication, follows=SupervisionApplication.follows)
