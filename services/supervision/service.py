"""Supervision as a nameko service: its access table's entrypoints, and the timer
that records supervision the day it becomes overdue."""
from nameko.timer import timer

from services.supervision.settings import Settings
from services.supervision.setup import setup
from shared.contracts.commands.supervision import OPERATIONS
from shared.identity import Caller
from shared.service import ApplicationProvider, ServiceBase, serves

SETTINGS = Settings.from_env()  # nameko's timer takes its interval when the class is made


@serves(OPERATIONS)
class SupervisionService(ServiceBase):
    name = "supervision"
    application = ApplicationProvider(setup)

    @timer(interval=SETTINGS.due_interval, eager=True)
    def check_due_hourly(self):
        """Eager, so what fell due while the service was down is caught at start."""
        self.application.perform("check_due", Caller.system(self.name))
