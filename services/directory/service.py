"""Directory as a nameko service: a thin adapter over DirectoryApplication.

Each entrypoint names the roles that may call it; the application narrows an
agency admin to their own organization and a peer to their own record.
"""
from nameko.rpc import rpc
from nameko.timer import timer

from services.directory.application import DirectoryApplication
from shared.identity import Caller
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require

EVERYONE = ("person", "peer", "supervisor", "agency_admin", "state_auditor", "system")
ADMINS = ("agency_admin", "system")
READERS = ("agency_admin", "state_auditor", "system")
PEERS = ("peer", "supervisor", "state_auditor", "system")
EXPIRY_INTERVAL_SECONDS = 3600


class DirectoryService(ServiceBase):
    name = "directory"
    application = ApplicationProvider(DirectoryApplication)

    def _command(self, roles, method, payload):
        require(self.caller, *roles)
        return getattr(self.application, method)(payload, self.caller)

    # -- organizations --------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def register_organization(self, organization):
        require(self.caller, "state_auditor", "agency_admin", "system")
        return str(self.application.register_organization(organization, self.caller))

    @rpc(expected_exceptions=EXPECTED)
    def update_organization(self, changes):
        self._command(ADMINS, "update_organization", changes)

    @rpc(expected_exceptions=EXPECTED)
    def close_organization(self, organization):
        self._command(ADMINS, "close_organization", organization)

    @rpc(expected_exceptions=EXPECTED)
    def organization(self, organization_id):
        require(self.caller, *EVERYONE)
        return self.application.organization(organization_id)

    @rpc(expected_exceptions=EXPECTED)
    def list_organizations(self, query=None):
        require(self.caller, *EVERYONE)
        return self.application.list_organizations(query or {})

    # -- workforce and credentials ----------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def record_employment(self, employment):
        return self._command(ADMINS, "record_employment", employment)

    @rpc(expected_exceptions=EXPECTED)
    def end_employment(self, employment):
        self._command(ADMINS, "end_employment", employment)

    @rpc(expected_exceptions=EXPECTED)
    def set_peer_role_since(self, change):
        self._command(("peer", *ADMINS), "set_peer_role_since", change)

    @rpc(expected_exceptions=EXPECTED)
    def workforce_record(self, peer_worker_id):
        require(self.caller, "peer", *READERS)
        return self.application.workforce_record(peer_worker_id, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_workforce(self, query):
        return self._command(READERS, "list_workforce", query)

    @rpc(expected_exceptions=EXPECTED)
    def record_credential(self, credential):
        return self._command(ADMINS, "record_credential", credential)

    @rpc(expected_exceptions=EXPECTED)
    def record_continuing_education(self, hours):
        self._command(("peer", *ADMINS), "record_continuing_education", hours)

    @rpc(expected_exceptions=EXPECTED)
    def credential_status(self, query):
        return self._command(READERS, "credential_status", query)

    @rpc(expected_exceptions=EXPECTED)
    def expire_credentials(self, as_of=None):
        return self._command(("system",), "expire_credentials", {"as_of": as_of} if as_of else {})

    @timer(interval=EXPIRY_INTERVAL_SECONDS, eager=True)
    def expire_credentials_hourly(self):
        """Expiry happens by itself when the date passes; the event tells the other services.

        Eager, so dates that passed while the service was down are caught at start (and the
        years in peer roles of starts stored before directory kept that day are decided then).
        """
        self.application.expire_credentials({}, Caller.system(self.name))
        self.application.decide_peer_years(Caller.system(self.name))

    # -- the networking pool ----------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def join_pool(self, membership):
        self._command(("peer", "system"), "join_pool", membership)

    @rpc(expected_exceptions=EXPECTED)
    def leave_pool(self, membership):
        self._command(("peer", "system"), "leave_pool", membership)

    @rpc(expected_exceptions=EXPECTED)
    def search_pool(self, query=None):
        require(self.caller, *PEERS)
        return self.application.search_pool(query or {}, self.caller)

    # -- subcontracts -----------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def make_subcontract(self, agreement):
        return str(self._command(ADMINS, "make_subcontract", agreement))

    @rpc(expected_exceptions=EXPECTED)
    def amend_subcontract(self, changes):
        self._command(ADMINS, "amend_subcontract", changes)

    @rpc(expected_exceptions=EXPECTED)
    def renew_subcontract(self, renewal):
        self._command(ADMINS, "renew_subcontract", renewal)

    @rpc(expected_exceptions=EXPECTED)
    def end_subcontract(self, ending):
        self._command(ADMINS, "end_subcontract", ending)

    @rpc(expected_exceptions=EXPECTED)
    def place_peer_worker(self, placement):
        self._command(ADMINS, "place_peer_worker", placement)

    @rpc(expected_exceptions=EXPECTED)
    def end_placement(self, placement):
        self._command(ADMINS, "end_placement", placement)

    @rpc(expected_exceptions=EXPECTED)
    def record_hours_delivered(self, week):
        self._command(ADMINS, "record_hours_delivered", week)

    @rpc(expected_exceptions=EXPECTED)
    def subcontract(self, agreement_id):
        require(self.caller, *READERS)
        return self.application.subcontract(agreement_id, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_subcontracts(self, query=None):
        return self._command(READERS, "list_subcontracts", query or {})

    # -- supervision agreements -------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def propose_supervision(self, agreement):
        return str(self._command(ADMINS, "propose_supervision", agreement))

    @rpc(expected_exceptions=EXPECTED)
    def accept_supervision(self, decision):
        return self._command(ADMINS, "accept_supervision", decision)

    @rpc(expected_exceptions=EXPECTED)
    def decline_supervision(self, decision):
        self._command(ADMINS, "decline_supervision", decision)

    @rpc(expected_exceptions=EXPECTED)
    def end_supervision(self, ending):
        self._command(ADMINS, "end_supervision", ending)

    @rpc(expected_exceptions=EXPECTED)
    def supervision_agreement(self, agreement_id):
        require(self.caller, *READERS)
        return self.application.supervision_agreement(agreement_id, self.caller)

    @rpc(expected_exceptions=EXPECTED)
    def list_supervision_agreements(self, query=None):
        return self._command(READERS, "list_supervision_agreements", query or {})

    @rpc(expected_exceptions=EXPECTED)
    def eligible_peer_supervisors(self, query):
        return self._command((*READERS, "supervisor"), "eligible_peer_supervisors", query)

    # -- peer groups --------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_group(self, group):
        return str(self._command(ADMINS, "list_group", group))

    @rpc(expected_exceptions=EXPECTED)
    def retire_group(self, group):
        self._command(ADMINS, "retire_group", group)

    @rpc(expected_exceptions=EXPECTED)
    def find_groups(self, query=None):
        require(self.caller, *EVERYONE)
        return self.application.find_groups(query or {})

    @rpc(expected_exceptions=EXPECTED)
    def export_hsds(self, query=None):
        require(self.caller, *EVERYONE)
        return self.application.export_hsds(query or {})
