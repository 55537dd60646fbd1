"""Intake as a nameko service: its access table's entrypoints, and the timer that lapses
consents and expires support requests and invitations."""
import logging

from nameko.timer import timer

from services.intake.settings import Settings
from services.intake.setup import setup
from shared.contracts.commands.intake import OPERATIONS
from shared.identity import Caller
from shared.service import ApplicationProvider, ServiceBase, serves

log = logging.getLogger(__name__)
SETTINGS = Settings.from_env()  # nameko's timer takes its interval when the class is made


@serves(OPERATIONS)
class IntakeService(ServiceBase):
    name = "intake"
    application = ApplicationProvider(setup)

    @timer(interval=24 * 3600, eager=True)
    def forget_again_after_restore(self):
        """At start (after a restore, people forgotten since the backup) and daily after."""
        again = self.application.perform("forget_listed", Caller.system(self.name))["forgotten_again"]
        if again:
            log.info("forgotten again after a restore: %d", again)

    @timer(interval=SETTINGS.expiry_interval)
    def expire(self):
        counts = self.application.perform("expire_due", Caller.system(self.name))
        if counts:
            log.info("expired: %s", counts)
