"""Notifications as a nameko service: its access table's entrypoints, and the timer that fires
due reminders and sends what may go now."""
import logging

from nameko.timer import timer

from services.notifications.settings import Settings
from services.notifications.setup import setup
from shared.contracts.commands.notifications import OPERATIONS
from shared.identity import Caller
from shared.service import ApplicationProvider, ServiceBase, serves

log = logging.getLogger(__name__)
SETTINGS = Settings.from_env()  # nameko's timer takes its interval when the class is made


@serves(OPERATIONS)
class NotificationsService(ServiceBase):
    name = "notifications"
    application = ApplicationProvider(setup)

    @timer(interval=SETTINGS.deliver_interval, eager=True)
    def deliver(self):
        """Eager: what fell due while the service was down goes at start. The timer waits for each
        run to end, so one process never sends the same lot twice at once."""
        done = self.application.perform("deliver_due", Caller.system(self.name))
        if done["sent"] or done["failed"] or done["reminders"]:
            log.info("notifications: %s", done)
