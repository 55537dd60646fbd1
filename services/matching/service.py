"""Matching as a nameko service: its access table's entrypoints, and the timer
that lapses choices nobody answered in time."""
import logging

from nameko.timer import timer

from services.matching.settings import Settings
from services.matching.setup import setup
from shared.contracts.commands.matching import OPERATIONS
from shared.identity import Caller
from shared.service import ApplicationProvider, ServiceBase, serves

log = logging.getLogger(__name__)
SETTINGS = Settings.from_env()  # nameko's timer takes its interval when the class is made


@serves(OPERATIONS)
class MatchingService(ServiceBase):
    name = "matching"
    application = ApplicationProvider(setup)

    @timer(interval=SETTINGS.expiry_interval)
    def expire(self):
        lapsed = self.application.perform("expire_due", Caller.system(self.name))["lapsed"]
        if lapsed:
            log.info("choices lapsed: %d", lapsed)
