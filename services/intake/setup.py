"""Intake, wired: the one place its store, vault, clock, the projection of what falls due and
its handlers meet. `setup(vault)` is what the nameko service, the tools and the tests build."""
from __future__ import annotations

from services.intake import commands, queries
from services.intake.application import IntakeApplication
from services.intake.projections import DueIndex
from services.intake.settings import Settings
from shared.clock import Clock, utc_now
from shared.contracts.commands.intake import OPERATIONS
from shared.forgotten import forgotten_list
from shared.handlers import bind

# Every operation of the access table, and the handler that does it.
HANDLERS = {
    "record_peer_worker_profile": commands.record_peer_worker_profile,
    "share_experience": commands.share_experience,
    "withdraw_experience": commands.withdraw_experience,
    "peer_worker_profile": queries.peer_worker_profile,
    "set_availability": commands.set_availability,
    "pause_availability": commands.pause_availability,
    "resume_availability": commands.resume_availability,
    "set_work_contact": commands.set_work_contact,
    "invite_peer_worker": commands.invite_peer_worker,
    "peer_worker_invitation": queries.peer_worker_invitation,
    "accept_peer_worker_invitation": commands.accept_peer_worker_invitation,
    "withdraw_peer_worker_invitation": commands.withdraw_peer_worker_invitation,
    "enroll": commands.enroll,
    "refer_person": commands.refer_person,
    "referral": queries.referral,
    "accept_referral": commands.accept_referral,
    "decline_referral": commands.decline_referral,
    "change_details": commands.change_details,
    "share_person_experience": commands.share_person_experience,
    "withdraw_person_experience": commands.withdraw_person_experience,
    "grant_consent": commands.grant_consent,
    "revoke_consent": commands.revoke_consent,
    "request_support": commands.request_support,
    "withdraw_support_request": commands.withdraw_support_request,
    "person_record": queries.person_record,
    "disclosures": queries.disclosures,
    "forget_me": commands.forget_me,
    "disclose_person": commands.disclose_person,
    "connection_contact": queries.connection_contact,
    "expire_due": commands.expire_due,
    "forget_listed": commands.forget_listed,
}


def setup(vault, env: dict | None = None, clock: Clock = utc_now) -> IntakeApplication:
    settings = Settings.from_env(env)
    store = IntakeApplication(vault, env)
    store.register(OPERATIONS, bind(HANDLERS, store=store, vault=vault, clock=clock, settings=settings,
                                    due=DueIndex(), forgotten=forgotten_list()))
    return store
