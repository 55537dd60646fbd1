"""Stored event -> integration event (contracts in shared/contracts/audit.py): break-glass only,
its reason a code and its reference a number, never the values read."""
from services.audit.domain import PersonalDataAccess


def _opened(event):
    return "BreakGlassOpened", {"person_id": event.originator_id, "reason": event.reason,
                                "reference": event.reference, "expires_at": event.expires_at}


def _read(event: PersonalDataAccess.Read):
    return "PersonalDataRead", {"person_id": event.originator_id, "fields_read": event.fields_read,
                                "reference": event.reference}


TRANSLATIONS = {
    PersonalDataAccess.Opened: _opened,
    PersonalDataAccess.Reopened: _opened,
    PersonalDataAccess.Read: _read,
}
