"""Directory as a nameko service: a thin adapter over DirectoryApplication."""
from nameko.rpc import rpc

from services.directory.application import DirectoryApplication
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require


class DirectoryService(ServiceBase):
    name = "directory"
    application = ApplicationProvider(DirectoryApplication)

    @rpc(expected_exceptions=EXPECTED)
    def register_organization(self, organization):
        require(self.caller, "state_auditor", "agency_admin", "system")
        return str(self.application.register_organization(organization, self.caller))
