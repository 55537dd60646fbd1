"""English and Spanish: gettext catalogs (Babel's .po files, read at start-up), the
locale of each request, and dates and numbers in it.

English is the source language. Spanish comes from every `translations/es/*.po`
(one per area of the pages, so the areas can be translated apart). With strict
checking on (the tests), a Spanish page that shows a string with no translation
fails instead of falling back to English.
"""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import current_app, g, request, session

LOCALES = ("en", "es")
TRANSLATIONS = Path(__file__).parent / "translations"


class Untranslated(LookupError):
    """A string shown in Spanish that has no Spanish translation."""


def load_catalog(locale: str) -> Catalog:
    merged = Catalog(locale=locale)
    for po in sorted((TRANSLATIONS / locale).glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    return merged


def translations_of(catalog: Catalog) -> Translations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(message: str, **variables) -> str:
    """A view's string in the request's language (templates call `_`)."""
    return current_app.extensions["peernet_languages"].gettext(message, **variables)


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    """A view's string with a count in it (`%(num)d`), singular or plural as the language has it."""
    return current_app.extensions["peernet_languages"].ngettext(singular, plural, n, **variables)


class Languages:
    def __init__(self, strict: bool = False):
        self.strict = strict
        catalogs = {locale: load_catalog(locale) for locale in LOCALES[1:]}  # each .po read once
        self.translations: dict[str, NullTranslations] = {
            "en": NullTranslations(), **{locale: translations_of(c) for locale, c in catalogs.items()}}
        self.known = {locale: {message.id if isinstance(message.id, str) else message.id[0]
                               for message in catalog if message.id} for locale, catalog in catalogs.items()}

    def select(self) -> str:
        chosen = session.get("lang")
        if chosen in LOCALES:
            return chosen
        return request.accept_languages.best_match(LOCALES, default="en") if request else "en"

    def gettext(self, message: str, **variables) -> str:
        locale = getattr(g, "locale", "en")
        if locale != "en" and message not in self.known[locale]:
            if self.strict:
                raise Untranslated(f"no {locale} translation for {message!r}")
        text = self.translations[locale].gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, n: int, **variables) -> str:
        locale = getattr(g, "locale", "en")
        if locale != "en" and singular not in self.known[locale] and self.strict:
            raise Untranslated(f"no {locale} translation for {singular!r}")
        text = self.translations[locale].ngettext(singular, plural, n)
        return text % {"num": n, **variables}


def _moment(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value


def format_date(value, form: str = "long") -> str:
    return dates.format_date(_moment(value), form, locale=getattr(g, "locale", "en")) if value else ""


def format_datetime(value) -> str:
    """A moment as people read it where they live: the long date and the short time."""
    if not value:
        return ""
    locale, zone = getattr(g, "locale", "en"), dates.get_timezone(current_app.config["PEERNET"].timezone)
    moment = _moment(value).astimezone(zone)
    return (f"{dates.format_date(moment, 'long', locale=locale)}, "
            f"{dates.format_time(moment, 'short', tzinfo=zone, locale=locale)}")


def format_number(value) -> str:
    return numbers.format_decimal(value, locale=getattr(g, "locale", "en"))


def language_name(code: str, in_locale: str | None = None) -> str:
    """A BCP 47 code shown by name in the page's language ("es" -> "Spanish" / "español")."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(in_locale or getattr(g, "locale", "en")) or code
    except (ValueError, TypeError):
        return code
