"""Directory as a nameko service: its access table's entrypoints, and the timer
that expires credentials past their date and decides everyone's day of peer years."""
from nameko.timer import timer

from services.directory.settings import Settings
from services.directory.setup import setup
from shared.contracts.commands.directory import OPERATIONS
from shared.identity import Caller
from shared.service import ApplicationProvider, ServiceBase, serves

SETTINGS = Settings.from_env()  # nameko's timer takes its interval when the class is made


@serves(OPERATIONS)
class DirectoryService(ServiceBase):
    name = "directory"
    application = ApplicationProvider(setup)

    @timer(interval=SETTINGS.expiry_interval, eager=True)
    def expire_credentials_hourly(self):
        """Expiry happens by itself when the date passes; the event tells the other services.

        Eager, so dates that passed while the service was down are caught at start, and the day of
        everyone's years in peer roles is decided again if the state changed the setting.
        """
        system = Caller.system(self.name)
        self.application.perform("expire_credentials", system)
        self.application.perform("decide_peer_years", system)
