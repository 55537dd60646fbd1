"""Supervision as a nameko service: a thin adapter over SupervisionApplication,
with an hourly timer that records supervision the day it becomes overdue."""
from nameko.rpc import rpc
from nameko.timer import timer

from services.supervision.application import SupervisionApplication
from shared import config
from shared.identity import Caller
from shared.service import EXPECTED, ApplicationProvider, ServiceBase, require

DUE_INTERVAL_SECONDS = float(config.env("PEERNET_SUPERVISION_DUE_INTERVAL_SECONDS", "3600"))
READERS = ("peer", "supervisor", "agency_admin", "state_auditor", "system")


class SupervisionService(ServiceBase):
    name = "supervision"
    application = ApplicationProvider(SupervisionApplication)

    def _call(self, roles, method, payload):
        require(self.caller, *roles)
        return getattr(self.application, method)(payload, self.caller)

    # -- finding a supervisor ---------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def find_supervisor(self, query):
        return self._call(("peer", "agency_admin", "state_auditor", "system"), "find_supervisor", query)

    @rpc(expected_exceptions=EXPECTED)
    def offer_supervisor(self, offer):
        return self._call(("agency_admin", "system"), "offer_supervisor", offer)

    @rpc(expected_exceptions=EXPECTED)
    def accept_supervision(self, decision):
        return self._call(("supervisor", "system"), "accept_supervision", decision)

    @rpc(expected_exceptions=EXPECTED)
    def decline_supervision(self, decision):
        return self._call(("supervisor", "system"), "decline_supervision", decision)

    @rpc(expected_exceptions=EXPECTED)
    def end_supervision(self, ending):
        return self._call(("agency_admin", "system"), "end_supervision", ending)

    # -- facts supervision keeps --------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def record_peer_support_relation(self, relation):
        return self._call(("system",), "record_peer_support_relation", relation)

    @rpc(expected_exceptions=EXPECTED)
    def record_supervisor_training(self, training):
        return self._call(("agency_admin", "system"), "record_supervisor_training", training)

    @rpc(expected_exceptions=EXPECTED)
    def record_staff(self, staff):
        return self._call(("agency_admin", "system"), "record_staff", staff)

    # -- sessions -------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def log_session(self, session):
        return self._call(("supervisor", "peer", "system"), "log_session", session)

    @rpc(expected_exceptions=EXPECTED)
    def confirm_session(self, session):
        return self._call(("supervisor", "peer"), "confirm_session", session)

    @rpc(expected_exceptions=EXPECTED)
    def correct_session(self, correction):
        return self._call(("supervisor", "peer"), "correct_session", correction)

    # -- what is due ----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def check_due(self, as_of=None):
        return self._call(("system",), "check_due", {"as_of": as_of} if as_of else {})

    @timer(interval=DUE_INTERVAL_SECONDS, eager=True)
    def check_due_hourly(self):
        """Eager, so what fell due while the service was down is caught at start."""
        self.application.check_due({}, Caller.system(self.name))

    # -- queries --------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def supervision_record(self, query):
        return self._call(READERS, "supervision_record", query)

    @rpc(expected_exceptions=EXPECTED)
    def supervisor_load(self, query):
        return self._call(("supervisor", "agency_admin", "state_auditor", "system"), "supervisor_load", query)

    @rpc(expected_exceptions=EXPECTED)
    def shortfall(self, query=None):
        return self._call(("supervisor", "agency_admin", "state_auditor", "system"), "shortfall", query or {})
