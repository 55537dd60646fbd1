"""Languages as BCP 47 codes: a code or a known English or Spanish name in, the code out."""
import pytest
from marshmallow import Schema, ValidationError

from shared.languages import LANGUAGE_CODES, LANGUAGES, Languages, codes, english_name, language_code, normalized


def test_the_list_has_the_states_languages_each_with_english_and_spanish_names():
    for code in ("en", "es", "pt", "ht", "vi", "zh", "ar", "ru", "fr", "km", "so", "ne", "ko", "pl", "it", "el",
                 "hi", "ja", "de", "tl", "ase"):
        assert code in LANGUAGE_CODES
    assert len(set(LANGUAGE_CODES)) == len(LANGUAGE_CODES)
    assert all(entry["label"]["en"] and entry["label"]["es"] for entry in LANGUAGES)


@pytest.mark.parametrize("given, code", [
    ("es", "es"), ("ES", "es"), ("Spanish", "es"), ("español", "es"), ("Espanol", "es"), ("es-MX", "es"),
    ("Haitian Creole", "ht"), ("criollo haitiano", "ht"), ("ASL", "ase"), ("American Sign Language", "ase"),
    ("Chinese", "zh"), ("zh-Hant", "zh"), ("Inglés", "en"), ("Vietnamese", "vi"),
])
def test_a_code_or_a_name_gives_the_code(given, code):
    assert language_code(given) == code


@pytest.mark.parametrize("given", ["Klingon", "", "x", "xx-YY", "english please"])
def test_anything_else_is_no_language(given):
    assert language_code(given) is None


def test_stored_names_from_before_codes_read_as_codes():
    assert normalized("Spanish") == normalized("es") == "es"
    assert normalized(" Some Dialect ") == "some dialect"  # unknown old text still compares with itself
    assert codes(["Spanish", "es", "English"]) == ["es", "en"]
    assert english_name("ht") == "Haitian Creole"


def test_the_field_refuses_an_unknown_language_naming_it_and_keeps_each_code_once():
    schema = Schema.from_dict({"languages": Languages(required=True)})()
    assert schema.load({"languages": ["Spanish", "es", "en"]}) == {"languages": ["es", "en"]}
    with pytest.raises(ValidationError) as refused:
        schema.load({"languages": ["en", "Elvish"]})
    assert "Elvish" in str(refused.value.normalized_messages()["languages"])
