"""The lists the pages offer: every item labelled in English and Spanish, in plain words."""
from shared.contracts.intake import MODALITIES
from shared.experiences import EXPERIENCE_CODES
from shared.vocabularies import vocabularies

CLINICAL = ("diagnos", "paciente", "patient", "trastorno", "disorder", "psicosis", "psychosis", "esquizofren",
            "enfermedad mental", "mental illness", "caso", "cliente")


def test_every_list_is_labelled_in_english_and_spanish():
    lists = vocabularies()
    assert [e["id"] for e in lists["experiences"]] == list(EXPERIENCE_CODES)
    assert [m["id"] for m in lists["modalities"]] == list(MODALITIES)
    assert len(lists["regions"]) == 14 and all(r["id"].endswith(" County") for r in lists["regions"])
    for kind in ("experiences", "languages", "modalities", "regions"):
        for item in lists[kind]:
            assert item["label"]["en"].strip() and item["label"]["es"].strip(), (kind, item)


def test_no_clinical_words_in_any_label():
    for item in vocabularies()["experiences"]:
        for label in item["label"].values():
            assert not any(word in label.casefold() for word in CLINICAL), label
