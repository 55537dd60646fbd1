"""Every string the pages can show has a Spanish translation, and every translation keeps
the placeholders of its English source (a missing %(name)s would fail at run time)."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.web.i18n import load_catalog

WEB = Path(__file__).resolve().parents[1]
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def source_messages() -> dict:
    found = {}
    for filename, _, message, _, _ in extract_from_dir(WEB, METHODS, keywords={"_": None, "gettext": None,
                                                                              "ngettext": (1, 2)},
                                                       options_map=OPTIONS):
        if "/tests/" not in f"/{filename}":
            found[message] = filename
    return found


def test_the_pages_have_strings_to_translate():
    assert len(source_messages()) > 100


def test_every_string_has_a_spanish_translation():
    catalog = load_catalog("es")
    missing = [f"{file}: {message!r}" for message, file in source_messages().items()
               if not catalog.get(message[0] if isinstance(message, tuple) else message)]
    assert not missing, "no Spanish for:\n" + "\n".join(missing)


def test_translations_keep_their_placeholders():
    wrong = []
    for message in load_catalog("es"):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for source, string in zip(sources, strings):
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(string)):
                wrong.append(f"{source!r} -> {string!r}")
    assert not wrong, "\n".join(wrong)
