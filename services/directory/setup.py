"""Directory, wired: the one place its store, read model, settings, clock and
handlers meet. `setup(vault)` is what the nameko service, the tools and the
tests build."""
from __future__ import annotations

import threading

from services.directory import commands, queries
from services.directory.application import DirectoryApplication
from services.directory.settings import Settings
from shared.clock import Clock, utc_now
from shared.contracts.commands.directory import OPERATIONS
from shared.handlers import bind

# Every operation of the access table, and the handler that does it.
HANDLERS = {
    "register_organization": commands.register_organization,
    "update_organization": commands.update_organization,
    "close_organization": commands.close_organization,
    "organization": queries.organization,
    "list_organizations": queries.list_organizations,
    "record_employment": commands.record_employment,
    "end_employment": commands.end_employment,
    "set_peer_role_since": commands.set_peer_role_since,
    "workforce_record": queries.workforce_record,
    "list_workforce": queries.list_workforce,
    "record_credential": commands.record_credential,
    "record_continuing_education": commands.record_continuing_education,
    "credential_status": queries.credential_status,
    "expire_credentials": commands.expire_credentials,
    "decide_peer_years": commands.decide_peer_years,
    "join_pool": commands.join_pool,
    "leave_pool": commands.leave_pool,
    "search_pool": queries.search_pool,
    "make_subcontract": commands.make_subcontract,
    "amend_subcontract": commands.amend_subcontract,
    "renew_subcontract": commands.renew_subcontract,
    "end_subcontract": commands.end_subcontract,
    "place_peer_worker": commands.place_peer_worker,
    "end_placement": commands.end_placement,
    "record_hours_delivered": commands.record_hours_delivered,
    "subcontract": queries.subcontract,
    "list_subcontracts": queries.list_subcontracts,
    "subcontract_hours": queries.subcontract_hours,
    "propose_supervision": commands.propose_supervision,
    "accept_supervision": commands.accept_supervision,
    "decline_supervision": commands.decline_supervision,
    "end_supervision": commands.end_supervision,
    "supervision_agreement": queries.supervision_agreement,
    "list_supervision_agreements": queries.list_supervision_agreements,
    "eligible_peer_supervisors": queries.eligible_peer_supervisors,
    "list_group": commands.list_group,
    "retire_group": commands.retire_group,
    "find_groups": queries.find_groups,
    "export_hsds": queries.export_hsds,
}


def setup(vault, env: dict | None = None, clock: Clock = utc_now) -> DirectoryApplication:
    settings = Settings.from_env(env)
    store = DirectoryApplication(vault, env)
    # Checking an organization's name and saving it happen under one lock (commands.register_organization).
    store.register(OPERATIONS, bind(HANDLERS, store=store, replayed=store.replayed, vault=vault, settings=settings,
                                    clock=clock, names_lock=threading.Lock()))
    return store
