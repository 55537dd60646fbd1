"""Notifications' Application, the store its handlers are given: follows intake, directory,
matching and supervision (its policy: which upstream event tells whom, and what it schedules),
keeps the projection of what is due (projections.Due) from its own stored events.

A notification's id is derived from the upstream event and its recipient, and its deliveries'
ids from the notification and the channel: applied once (the tracked consumer), and the same
ids however often anything is read again.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.notifications.domain import (Delivery, Pair, Recipient, Reminder, Waiting, derived_id,
                                          organization_key)
from services.notifications.projections import Due
from services.notifications.settings import Settings
from services.notifications.translations import TRANSLATIONS
from shared import config
from shared.application import ServiceApplication
from shared.clock import Clock
from shared.identity import Caller

PAGE = 1000
CREDENTIAL_DAYS = (60, 30, 7)
CERTIFY_BY_DAYS = (30, 7)
CERTIFICATION = "certified_peer_specialist"  # directory's kind that meets a certify-by deadline


def iso(moment: datetime) -> str:
    """One form for every stored time (UTC, microseconds), so that times compare as strings."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def morning_of(day: str, days_before: int) -> datetime:
    return datetime.combine(date.fromisoformat(day) - timedelta(days=days_before), time(13, 0), tzinfo=timezone.utc)


class NotificationsApplication(ServiceApplication):
    service = "notifications"
    follows = config.FOLLOWS[service]
    translations = TRANSLATIONS

    def __init__(self, vault, env: dict | None, settings: Settings, clock: Clock):
        super().__init__(vault, env)
        self.settings, self.clock = settings, clock
        self.due = self.rebuild()

    # -- the projection ---------------------------------------------------------------
    def rebuild(self) -> Due:
        due, after = Due(), 0
        while page := self.recorder.select_notifications(start=after, limit=PAGE, inclusive_of_start=False):
            for notification in page:
                due.apply(self.mapper.to_domain_event(notification))
            after = page[-1].id
        return due

    def _notify(self, recordings) -> None:
        for recording in recordings:
            self.due.apply(recording.domain_event)

    def get(self, aggregate_id):
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None

    def recipient(self, key: str, actor: dict, processing=None) -> Recipient:
        """The recipient of this key, opened (in the batch, if one is given) when it is new."""
        found = self.get(Recipient.create_id(key))
        if found is None:
            found = Recipient(key=key, actor=actor)
            if processing is not None:
                processing.collect_events(found)
        return found

    # -- making a notification ----------------------------------------------------------
    def tell(self, key: str, kind: str, notification_id: str, at: datetime, about: dict, actor: dict,
               collect) -> bool:
        """Into the recipient's feed, and a delivery planned by each channel open to them now."""
        recipient = self.recipient(key, actor)
        if not recipient.may_receive:
            return False
        if any(entry["notification_id"] == notification_id for entry in recipient.feed):
            return False  # a reminder fired again after a crash makes nothing twice
        recipient.notify(notification_id, kind, iso(at), about, actor)
        deliveries = [Delivery(notification_id=notification_id, channel=channel, recipient=key, kind=kind,
                               due=iso(at), actor=actor) for channel in recipient.channels_open()]
        collect(recipient, *deliveries)
        return True

    # -- upstream events ----------------------------------------------------------------
    def ignores(self, source, type_) -> bool:
        # An event no one is told of is only counted by the consumer (shared.consumer): most of them.
        return not hasattr(self, f"_{source}_{type_}")

    def policy(self, event, processing):
        handler = getattr(self, f"_{event.source}_{event.type}", None)
        if handler is None:
            return  # an ignored event is not checked whole: read nothing more of it
        actor = Caller.system(self.service, event.actor["correlation_id"]).as_actor()
        body, at = event.body, datetime.fromisoformat(event.occurred_at)

        def tell(key: str, kind: str, about: dict | None = None):
            notification_id = str(derived_id("notification", f"{event.source}:{event.position}:{key}"))
            self.tell(key, kind, notification_id, at, about or {}, actor, processing.collect_events)

        handler(event, body, actor, tell, processing)

    # intake: consent and forgetting decide whether anything may be sent to a person at all.
    def _intake_PersonConsentRevoked(self, event, body, actor, tell, processing):
        recipient = self.recipient(str(body["person_id"]), actor, processing)
        if not recipient.silenced:
            recipient.silence(actor)
            processing.collect_events(recipient)

    _intake_PersonConsentLapsed = _intake_PersonConsentRevoked

    def _intake_PersonConsentGranted(self, event, body, actor, tell, processing):
        recipient = self.get(Recipient.create_id(str(body["person_id"])))
        if recipient is not None and recipient.silenced and not recipient.forgotten:
            recipient.allow(actor)
            processing.collect_events(recipient)

    def _intake_PersonForgotten(self, event, body, actor, tell, processing):
        recipient = self.recipient(str(body["person_id"]), actor, processing)
        if not recipient.forgotten:
            if recipient.address_subject:
                self.vault.forget(recipient.address_subject)
            recipient.forget(actor)
            processing.collect_events(recipient)

    # matching
    def _matching_PersonWaitlisted(self, event, body, actor, tell, processing):
        if self.get(Waiting.create_id(body["request_id"])) is None:
            processing.collect_events(Waiting(request_id=body["request_id"], person_id=str(body["person_id"]),
                                              actor=actor))

    def _matching_OffersMade(self, event, body, actor, tell, processing):
        """Told only for a request on the waitlist, once: offers the person just asked for tell nothing new."""
        waiting: Waiting | None = self.get(Waiting.create_id(body["request_id"]))
        if waiting is not None and not waiting.offered and body["peer_worker_ids"]:
            waiting.offer(actor)
            processing.collect_events(waiting)
            tell(str(body["person_id"]), "offers_made", {"request_id": body["request_id"]})

    def _matching_PeerAsked(self, event, body, actor, tell, processing):
        peer = str(body["peer_worker_id"])
        tell(peer, "chosen", {"choice_id": body["choice_id"]})
        deadline = datetime.fromisoformat(body["deadline"])
        self.schedule(f"choice:{body['choice_id']}", "answer_due", [peer],
                      deadline - timedelta(hours=self.settings.answer_reminder_hours),
                      {"choice_id": body["choice_id"]}, actor, processing)

    def _answered(kind):
        def handle(self, event, body, actor, tell, processing):
            self.cancel(f"choice:{body['choice_id']}", actor, processing)
            tell(str(body["person_id"]), kind, {"choice_id": body["choice_id"]})
        return handle

    _matching_ChoiceAccepted = _answered("choice_accepted")
    _matching_PersonToldPeerDeclined = _answered("choice_declined")
    _matching_PersonToldChoiceLapsed = _answered("choice_lapsed")
    del _answered

    def _matching_ConnectionBegan(self, event, body, actor, tell, processing):
        connection_id = str(body["connection_id"])
        if self.get(Pair.create_id(connection_id)) is None:
            processing.collect_events(Pair(connection_id=connection_id, person_id=str(body["person_id"]),
                                           peer_worker_id=str(body["peer_worker_id"]), actor=actor))

    def _matching_ConnectionEnded(self, event, body, actor, tell, processing):
        pair: Pair | None = self.get(Pair.create_id(str(body["connection_id"])))
        if pair is None:
            return
        for side in (pair.person_id, pair.peer_worker_id):
            if side != event.actor["user_id"]:  # the side that ended it knows
                tell(side, "connection_ended", {"connection_id": str(body["connection_id"])})

    # supervision
    def _supervision_SupervisorOffered(self, event, body, actor, tell, processing):
        tell(body["supervisor_id"], "supervision_offered", {"assignment_id": str(body["assignment_id"])})

    def _supervision_SupervisionSessionLogged(self, event, body, actor, tell, processing):
        parties = {"supervisor": body["supervisor_id"], "peer_worker": body["peer_worker_id"]}
        for party, user in parties.items():
            if party not in body["confirmed_by"] and user != event.actor["user_id"]:
                tell(user, "session_to_confirm", {"session_id": str(body["session_id"])})

    def _supervision_SupervisionOverdue(self, event, body, actor, tell, processing):
        tell(str(body["peer_worker_id"]), "supervision_overdue", {"due_on": str(body["due_on"])})

    # directory
    def _directory_SupervisionAgreementProposed(self, event, body, actor, tell, processing):
        for organization in (body["supervised_organization_id"], body["supervising_organization_id"]):
            if organization != event.actor.get("organization_id"):  # the proposer knows
                tell(organization_key(organization), "agreement_to_accept",
                     {"agreement_id": str(body["agreement_id"])})

    def _directory_CredentialRecorded(self, event, body, actor, tell, processing):
        """Keyed by the peer worker and the kind: a renewal moves the reminders, it does not add to them."""
        peer = str(body["peer_worker_id"])
        if body["kind"] == CERTIFICATION:  # certified: the certify-by deadline is met
            for days in CERTIFY_BY_DAYS:
                self.cancel(f"certify:{peer}:{days}", actor, processing)
        for days in CREDENTIAL_DAYS:
            key = f"credential:{peer}:{body['kind']}:{days}"
            if body["expires"] is None:
                self.cancel(key, actor, processing)
            else:
                self.schedule(key, "credential_expiring", [peer], morning_of(str(body["expires"]), days),
                              {"days": days, "credential_id": body["credential_id"]}, actor, processing)

    def _directory_CredentialExpired(self, event, body, actor, tell, processing):
        for days in CREDENTIAL_DAYS:
            key = f"credential:{body['peer_worker_id']}:{body['kind']}:{days}"
            reminder: Reminder | None = self.get(Reminder.create_id(key))
            if reminder is not None and reminder.about.get("credential_id") == body["credential_id"]:
                self.cancel(key, actor, processing)

    def _directory_EmploymentBegan(self, event, body, actor, tell, processing):
        """One deadline per peer worker, the earliest, told to them and to each organization waiting on it."""
        if body["certify_by"] is None:
            return
        peer, organization = str(body["peer_worker_id"]), organization_key(body["organization_id"])
        for days in CERTIFY_BY_DAYS:
            key = f"certify:{peer}:{days}"
            reminder: Reminder | None = self.get(Reminder.create_id(key))
            due = morning_of(str(body["certify_by"]), days)
            if reminder is not None and reminder.status == "scheduled":
                due = min(due, datetime.fromisoformat(reminder.due))
                recipients = sorted({*reminder.recipients, organization})
            else:
                recipients = [peer, organization]
            self.schedule(key, "certify_by", recipients, due, {"days": days}, actor, processing)

    def _directory_EmploymentEnded(self, event, body, actor, tell, processing):
        organization = organization_key(body["organization_id"])
        for days in CERTIFY_BY_DAYS:
            key = f"certify:{body['peer_worker_id']}:{days}"
            reminder: Reminder | None = self.get(Reminder.create_id(key))
            if reminder is None or reminder.status != "scheduled" or organization not in reminder.recipients:
                continue
            left = [r for r in reminder.recipients if r != organization]
            if any(r.startswith("organization:") for r in left):
                reminder.reschedule(reminder.due, left, reminder.about, actor)
                processing.collect_events(reminder)
            else:  # no employer waits on it any more
                self.cancel(key, actor, processing)

    # -- reminders ------------------------------------------------------------------------
    def schedule(self, key: str, kind: str, recipients: list[str], due: datetime, about: dict, actor: dict,
                 processing) -> None:
        """A reminder whose time has passed already is not made: it would say what is no longer ahead."""
        if due <= self.clock():
            return
        reminder: Reminder | None = self.get(Reminder.create_id(key))
        if reminder is None:
            reminder = Reminder(key=key, kind=kind, recipients=recipients, due=iso(due), about=about, actor=actor)
        elif (reminder.due, reminder.recipients, reminder.about, reminder.status) != (
                iso(due), recipients, about, "scheduled"):
            reminder.reschedule(iso(due), recipients, about, actor)
        processing.collect_events(reminder)

    def cancel(self, key: str, actor: dict, processing) -> None:
        reminder: Reminder | None = self.get(Reminder.create_id(key))
        if reminder is not None and reminder.status == "scheduled":
            reminder.cancel(actor)
            processing.collect_events(reminder)

    def fire(self, reminder_id: UUID, now: datetime, actor: dict) -> int:
        """Tell each recipient of a due reminder; saved with the reminder fired, in one transaction."""
        reminder: Reminder = self.repository.get(reminder_id)
        if reminder.status != "scheduled":
            return 0
        collected: list = []
        told = 0
        for key in reminder.recipients:
            notification_id = str(derived_id("notification", f"{reminder.id}:{reminder.due}:{key}"))
            told += self.tell(key, reminder.kind, notification_id, now, reminder.about, actor,
                              lambda *made: collected.extend(made))
        reminder.fire(actor)
        self.save(reminder, *collected)
        return told
