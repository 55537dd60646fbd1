"""What a form sends, turned into what the API takes, and the API's field errors turned
back into messages beside the form's fields, in the page's language."""
from __future__ import annotations

from services.web.gateway import ApiError


def text(form, name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def listed(form, name: str) -> list[str]:
    return [value for value in form.getlist(name) if value]


def field_errors(error: ApiError, messages: dict[str, str], general: str) -> dict[str, str]:
    """The API names fields by their path ("consent.may_see.matching", "languages.0"); the page
    shows its own translated message for each form field the API refused. `messages` maps the
    API's first path segment to the form field's message; anything else goes to the summary."""
    shown: dict[str, str] = {}
    for api_field in error.field_messages():
        head = api_field.split(".")[0]
        if head in messages:
            shown.setdefault(head, messages[head])
        else:
            shown.setdefault("form", general)
    return shown or {"form": general}
