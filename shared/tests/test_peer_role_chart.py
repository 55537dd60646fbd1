"""The duty-list check against the handbook's "Is that really part of a 'peer' role?" chart."""
from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import peer_role_chart as duties_module
from shared.peer_role_chart import (
    RefusedDuty,
    chart_document,
    chart_version,
    check_duties,
    load_chart,
    normalize,
    normalize_es,
    refusal_document,
)

CHART = load_chart()
CODES = [duty.code for duty in CHART.duties]


def codes(texts: list[str]) -> list[str]:
    return [refused.code for refused in check_duties(texts)]


def as_text(phrase: str) -> str:
    # A chart phrase as someone might type it: "*" stands for any one word.
    return phrase.replace("*", "their")


# --- the chart itself -------------------------------------------------------------------


def test_chart_loads_once_with_its_version():
    assert load_chart() is load_chart()
    assert chart_version() == 1
    assert "Is that really part of" in CHART.source


def test_chart_reasons_are_the_handbooks_three_categories():
    assert set(CHART.reasons) == {"power_imbalance", "agenda", "busy_work"}
    assert all(description.strip() for description in CHART.reasons.values())


def test_every_duty_is_complete():
    assert len(set(CODES)) == len(CODES)
    for duty in CHART.duties:
        assert duty.duty and duty.why and duty.phrases, duty.code
        assert duty.reasons and set(duty.reasons) <= set(CHART.reasons), duty.code
        assert all(phrase == phrase.lower() for phrase in duty.phrases), duty.code


# --- the chart in Spanish ------------------------------------------------------------------

SPANISH_WORDS = {"la", "el", "de", "que", "para", "su", "una", "un", "los", "las", "con", "por", "en", "a", "o"}


def _reads_as_spanish(text: str) -> bool:
    """A sentence, not a copy of the English: Spanish's little words are in it."""
    words = re.findall(r"[a-záéíóúñü]+", text.lower())
    return sum(word in SPANISH_WORDS for word in words) >= 3


def test_every_text_has_its_spanish_beside_it():
    for duty in CHART.duties:
        assert duty.duty_es and duty.why_es, duty.code
        assert (duty.alternative is None) == (duty.alternative_es is None), duty.code
        assert duty.duty_es != duty.duty, duty.code
        for english, spanish in ((duty.why, duty.why_es), (duty.alternative, duty.alternative_es)):
            if english is not None:
                assert spanish != english and _reads_as_spanish(spanish), (duty.code, spanish)
    assert set(CHART.reasons_es) == set(CHART.reasons) == set(CHART.reason_names) == set(CHART.reason_names_es)
    assert all(_reads_as_spanish(text) for text in CHART.reasons_es.values())


def test_the_spanish_keeps_the_charts_words():
    assert dict(CHART.reason_names) == {"power_imbalance": "power imbalance", "agenda": "agenda",
                                        "busy_work": "busy work"}
    assert dict(CHART.reason_names_es) == {"power_imbalance": "desequilibrio de poder", "agenda": "agenda ajena",
                                           "busy_work": "tareas de relleno"}
    # The people the chart is about are "la persona", never a patient or a client; peers stay peers.
    spanish = " ".join([*CHART.reasons_es.values(), *(t for d in CHART.duties
                                                      for t in (d.duty_es, d.why_es, d.alternative_es) if t)])
    assert not re.search(r"\b(paciente|cliente|caso|diagn[oó]stico)s?\b", spanish, re.IGNORECASE)
    assert "trabajador de apoyo entre pares" in CHART.reasons_es["power_imbalance"]
    assert "MAP" in CHART.duty("map_certification").duty_es
    assert "WRAP" in CHART.duty("carrying_commitment_paperwork").alternative_es


def test_the_chart_document_gives_every_text_in_english_and_spanish():
    document = chart_document()
    assert document["version"] == CHART.version and document["source"] == CHART.source
    assert [reason["code"] for reason in document["reasons"]] == list(CHART.reasons)
    power = document["reasons"][0]
    assert power["name"] == {"en": "power imbalance", "es": "desequilibrio de poder"}
    assert power["description"] == {"en": CHART.reasons["power_imbalance"], "es": CHART.reasons_es["power_imbalance"]}
    assert [duty["code"] for duty in document["duties"]] == CODES
    rides = next(duty for duty in document["duties"] if duty["code"] == "routine_rides")
    chart_rides = CHART.duty("routine_rides")
    assert rides == {
        "code": "routine_rides", "duty": {"en": chart_rides.duty, "es": chart_rides.duty_es},
        "reasons": [{"code": "busy_work", "name": {"en": "busy work", "es": "tareas de relleno"}}],
        "why": {"en": chart_rides.why, "es": chart_rides.why_es},
        "alternative": {"en": chart_rides.alternative, "es": chart_rides.alternative_es},
        "ok_at_their_request": True}
    notes = next(duty for duty in document["duties"] if duty["code"] == "routine_progress_notes")
    assert notes["alternative"] is None
    assert "phrases" not in rides  # matching's own business


def test_a_refusal_document_names_the_field_line_and_texts():
    [refused] = check_duties(["Triage incoming calls"])
    document = refusal_document("duties", 2, refused)
    assert document["field"] == "duties.2" and document["index"] == 2 and document["text"] == "Triage incoming calls"
    assert document["code"] == "triaging_calls"
    assert document["alternative"]["es"] == CHART.duty("triaging_calls").alternative_es
    assert [reason["name"]["es"] for reason in document["reasons"]] == ["tareas de relleno", "desequilibrio de poder"]


@pytest.mark.parametrize("change, complaint", [
    (lambda raw: raw["duties"][0].pop("why_es"), "why_es"),
    (lambda raw: raw["duties"][0].update(alternative_es=None), "alternative_es"),
    (lambda raw: raw["duties"][12].update(alternative_es="Algo"), "alternative_es"),
    (lambda raw: raw["reasons_es"].pop("agenda"), "reasons_es"),
    (lambda raw: raw["reason_names_es"].update(busy_work=" "), "reason_names_es"),
])
def test_a_chart_missing_spanish_is_refused_at_load(tmp_path, monkeypatch, change, complaint):
    import json

    raw = json.loads(duties_module.CHART_PATH.read_text(encoding="utf-8"))
    assert raw["duties"][12]["code"] == "routine_progress_notes"
    change(raw)
    broken = tmp_path / "chart.json"
    broken.write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setattr(duties_module, "CHART_PATH", broken)
    load_chart.cache_clear()
    try:
        with pytest.raises(ValueError, match=complaint):
            load_chart()
    finally:
        load_chart.cache_clear()


@pytest.mark.parametrize(
    "code",
    [
        "administering_medications",
        "map_certification",
        "encouraging_medication_compliance",
        "reporting_medication_compliance",
        "representative_payee",
        "deciding_on_funds",
        "routine_rides",
        "assigned_cleaning",
        "opinion_on_functioning",
        "completing_assessments",
        "writing_treatment_plans",
        "focusing_on_treatment_plan_goals",
        "routine_progress_notes",
        "meetings_without_the_person",
        "opinion_on_what_should_happen",
        "carrying_commitment_paperwork",
        "testifying_against_the_person",
        "recommendations_to_court",
        "visits_the_person_declined",
        "pressuring_someone",
        "reading_files",
        "routine_phone_answering",
        "triaging_calls",
        "routine_filing",
        "recreation_only",
        "outings_they_dont_want",
        "employment_as_assigned_focus",
        "housing_as_assigned_focus",
    ],
)
def test_chart_holds_every_row_of_the_handbook(code):
    assert code in CODES


# The reasons as the handbook's "The Why of It" heads each topic.
HANDBOOK_REASONS = {
    "administering_medications": {"power_imbalance"},
    "map_certification": {"power_imbalance"},
    "reporting_medication_compliance": {"power_imbalance"},
    "representative_payee": {"power_imbalance"},
    "deciding_on_funds": {"power_imbalance"},
    "routine_rides": {"busy_work"},
    "assigned_cleaning": {"busy_work", "agenda"},
    "completing_assessments": {"power_imbalance"},
    "writing_treatment_plans": {"power_imbalance", "agenda"},
    "routine_progress_notes": {"power_imbalance", "agenda"},
    "meetings_without_the_person": {"power_imbalance"},
    "carrying_commitment_paperwork": {"power_imbalance", "agenda"},
    "testifying_against_the_person": {"power_imbalance", "agenda"},
    "visits_the_person_declined": {"agenda"},
    "reading_files": {"agenda", "busy_work", "power_imbalance"},
    "employment_as_assigned_focus": {"agenda"},
    "housing_as_assigned_focus": {"agenda"},
    "triaging_calls": {"busy_work", "power_imbalance"},
    "routine_filing": {"busy_work", "power_imbalance"},
    "recreation_only": {"busy_work"},
}


@pytest.mark.parametrize("code,reasons", sorted(HANDBOOK_REASONS.items()))
def test_chart_reasons_follow_the_handbook(code, reasons):
    assert set(CHART.duty(code).reasons) == reasons


# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_every_chart_duty_is_refused_by_its_own_phrases(code):
    duty = CHART.duty(code)
    missed = [phrase for phrase in duty.phrases if code not in codes([as_text(phrase)])]
    assert not missed, f"{code} phrases that do not refuse it on their own: {missed}"


@pytest.mark.parametrize("code", CODES)
def test_refusal_carries_the_charts_reasons_why_and_alternative(code):
    duty = CHART.duty(code)
    text = as_text(duty.phrases[0])
    [refused] = [r for r in check_duties([text]) if r.code == code]
    assert refused == RefusedDuty(
        duty_text=text,
        code=code,
        duty=duty.duty,
        reasons=duty.reasons,
        why=duty.why,
        alternative=duty.alternative,
        duty_es=duty.duty_es,
        why_es=duty.why_es,
        alternative_es=duty.alternative_es,
    )


def test_refused_duty_is_frozen():
    [refused] = check_duties(["Administer medications"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        refused.code = "something_else"  # type: ignore[misc]


def test_alternatives_are_the_consistent_column():
    assert "peer-to-peer support calls" in CHART.duty("triaging_calls").alternative
    assert "advocate" in CHART.duty("testifying_against_the_person").alternative
    assert "what is in their own file" in CHART.duty("reading_files").alternative
    assert "checkbook" in CHART.duty("representative_payee").alternative
    # The chart offers nothing in place of routine progress notes.
    assert CHART.duty("routine_progress_notes").alternative is None


# How staff write these duties in a job description or a weekly task list.
STAFF_WORDING = [
    ("Administer medications at the residence", "administering_medications"),
    ("Hand out meds at 8am and 8pm", "administering_medications"),
    ("Med pass on weekends", "administering_medications"),
    ("Must become MAP certified within 90 days of hire", "map_certification"),
    ("Attend Medication Administration Program training", "map_certification"),
    ("Use your recovery story to encourage medication compliance", "encouraging_medication_compliance"),
    ("Make sure people stay on their meds", "encouraging_medication_compliance"),
    ("Report on medication compliance to the nurse", "reporting_medication_compliance"),
    ("Report back whether individuals are taking their medications", "reporting_medication_compliance"),
    ("Serve as rep payee for two residents", "representative_payee"),
    ("Act as a representative payee", "representative_payee"),
    ("Decide how residents spend their weekly allowance", "deciding_on_funds"),
    ("Hold people's money and hand out allowance", "deciding_on_funds"),
    ("Drive the van to day program and appointments", "routine_rides"),
    ("Provide transportation to appointments as needed", "routine_rides"),
    ("Clean residents' apartments weekly", "assigned_cleaning"),
    ("Complete written assessments at intake", "completing_assessments"),
    ("Complete the ANSA for new enrollees", "completing_assessments"),
    ("Give your opinion on how the person is functioning", "opinion_on_functioning"),
    ("Write treatment plans with the team", "writing_treatment_plans"),
    ("Update ISPs every 90 days", "writing_treatment_plans"),
    ("Write routine progress notes", "routine_progress_notes"),
    ("Document progress toward treatment goals in the EHR", "routine_progress_notes"),
    ("Attend weekly treatment team meetings", "meetings_without_the_person"),
    ("Attend clinical rounds", "meetings_without_the_person"),
    ("Recommend discharge or placement at team meetings", "opinion_on_what_should_happen"),
    ("Triage incoming calls", "triaging_calls"),
    ("Screen crisis calls and transfer to a clinician", "triaging_calls"),
    ("Answer the office phones", "routine_phone_answering"),
    ("Cover the front desk", "routine_phone_answering"),
    ("Carry Section 12 paperwork to the emergency room", "carrying_commitment_paperwork"),
    ("Transport commitment papers to the hospital", "carrying_commitment_paperwork"),
    ("Testify against the person at commitment hearings", "testifying_against_the_person"),
    ("Make recommendations to the court", "recommendations_to_court"),
    ("Visit weekly even if the person says no", "visits_the_person_declined"),
    ("Talk people into going to groups", "pressuring_someone"),
    ("Read the files of everyone you will be working with", "reading_files"),
    ("Review charts to get to know people before meeting them", "reading_files"),
    ("Focus one-to-one visits on treatment plan goals", "focusing_on_treatment_plan_goals"),
    ("File charts in the records room", "routine_filing"),
    ("Lead recreation only", "recreation_only"),
    ("Take people on outings even if they don't want to go", "outings_they_dont_want"),
    ("Focus on employment as directed by the program", "employment_as_assigned_focus"),
    ("Get people housed to meet the program's housing targets", "housing_as_assigned_focus"),
]


@pytest.mark.parametrize("text,code", STAFF_WORDING)
def test_staff_wording_is_refused_as_the_chart_duty(text, code):
    assert code in codes([text])


# The consistent side of the chart, and the peer work the handbook describes.
ACCEPTABLE = [
    "Facilitate a peer support group",
    "Co-facilitate a WRAP group",
    "Co-lead a Hearing Voices group",
    "Facilitate Alternatives to Suicide groups",
    "Share lived experience to inspire hope",
    "Share your own recovery story when it helps",
    "Accompany a person to an appointment at their request",
    "Go with someone to an appointment to support and advocate for them",
    "Give someone a ride when they ask",
    "Help someone write their own WRAP plan",
    "Advocacy alongside the person",
    "Advocate for the person's voice to be heard in treatment planning",
    "Support someone to talk with their prescriber about medication",
    "Support someone who is withdrawing from medications to find other supports",
    "Support someone to gather information about meds",
    "Support someone to plan toward independence with med management",
    "Work with someone to build skills like balancing their checkbook",
    "Help someone plan to regain independence over their funds",
    "Be present during an assessment as a support person",
    "Support the person to understand what is written about them",
    "Support the person to understand what is in their file",
    "Support someone to attend their treatment team meeting",
    "Advocate not to talk about people without them",
    "Attend meetings about policy and best practices",
    "Help someone understand their rights",
    "Help someone understand their rights under Section 12",
    "Stay with someone during a commitment hearing as a support",
    "Help someone make plans for their pets and bills",
    "Help someone present their WRAP plan or advance directive",
    "Testify as an advocate on their behalf",
    "Accompany someone to court",
    "Meet one-to-one when the person asks",
    "Help with a job search when the person has asked",
    "Share what you learned from your own housing search",
    "Answer the peer warmline",
    "Answer your own phone",
    "Support people to find meaningful connections in the community",
    "Support access to housing, employment and other valued community settings",
    "Go for coffee together as part of building a relationship",
    "Help clean their apartment when they ask",
    "Support people in emotional distress by listening and being there",
    "Educate staff about recovery and non-clinical language",
    "Help someone file for benefits",
]


@pytest.mark.parametrize("text", ACCEPTABLE)
def test_acceptable_peer_duties_are_not_refused(text):
    assert check_duties([text]) == []


def test_medication_as_a_topic_is_not_refused():
    assert check_duties(["support someone to talk with their prescriber about medication"]) == []


def test_empty_list_and_blank_lines():
    assert check_duties([]) == []
    assert check_duties(["", "   ", "--"]) == []


def test_mixed_list_returns_only_the_refused_in_input_order():
    duties = [
        "Facilitate a peer support group",
        "Triage incoming calls",
        "Share lived experience",
        "Administer medications",
        "Accompany a person to an appointment at their request",
        "Write treatment plans",
        "Co-lead a Hearing Voices group",
    ]
    refused = check_duties(duties)
    assert [r.duty_text for r in refused] == ["Triage incoming calls", "Administer medications", "Write treatment plans"]
    assert [r.code for r in refused] == ["triaging_calls", "administering_medications", "writing_treatment_plans"]


def test_two_tasks_on_one_line_are_each_refused_in_line_order():
    assert codes(["Answer phones and triage calls"]) == ["routine_phone_answering", "triaging_calls"]


def test_longest_phrase_decides_between_overlapping_duties():
    # "medication compliance" sits inside "report on medication compliance": the line is about reporting.
    assert codes(["Report on medication compliance"]) == ["reporting_medication_compliance"]
    assert codes(["Complete medication administration training"]) == ["map_certification"]


def test_the_same_task_at_the_persons_request_is_accepted():
    assert codes(["Drive people to appointments"]) == ["routine_rides"]
    assert codes(["Drive people to appointments at their request"]) == []
    assert codes(["Clean someone's apartment"]) == ["assigned_cleaning"]
    assert codes(["Clean someone's apartment if they ask"]) == []
    # Asking does not make medications or commitment papers a peer role.
    assert codes(["Administer medications at their request"]) == ["administering_medications"]


# --- properties -------------------------------------------------------------------------

SAMPLE_TEXTS = [text for text, _ in STAFF_WORDING] + ACCEPTABLE
SEPARATORS = [" ", "  ", ", ", " - ", "; ", ". ", " / ", " (", ") ", "! ", ": ", "\t", " -- ", "...", "?"]


@st.composite
def restyled(draw):
    """A sample duty text, re-cased and re-punctuated between its words."""
    text = draw(st.sampled_from(SAMPLE_TEXTS))
    words = [w for w in re.split(r"[^A-Za-z0-9']+", text) if w]
    out = []
    for word in words:
        cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)
        out.append(cased)
        out.append(draw(st.sampled_from(SEPARATORS)))
    prefix = draw(st.sampled_from(["", "- ", "* ", "1. ", "(a) "]))
    return text, prefix + "".join(out)


@settings(max_examples=300, deadline=None)
@given(restyled())
def test_case_and_punctuation_do_not_change_the_result(pair):
    original, styled = pair
    assert codes([styled]) == codes([original])


def _near_chart_word(word: str) -> bool:
    stem = word.rstrip("s")
    for duty in CHART.duties:
        for phrase in duty.phrases + duty.unless:
            for chart_word in normalize(phrase):
                chart_stem = chart_word.rstrip("s")
                if chart_stem == stem or chart_word.startswith(word) or word.startswith(chart_word):
                    return True
    return False


FIELD_WORDS = [
    "listen", "hope", "mutual", "together", "recovery", "group", "community", "wellness", "wrap",
    "voices", "hearing", "peer", "story", "lived", "experience", "facilitate", "connect", "walk",
    "coffee", "garden", "respite", "drop", "center", "learning", "choice", "dignity", "trust",
    "healing", "art", "music", "yoga", "library", "friendship", "dream", "explore", "welcome",
]
SAFE_WORDS = [word for word in FIELD_WORDS if not _near_chart_word(word)]


def test_safe_vocabulary_is_large_enough_to_mean_something():
    assert len(SAFE_WORDS) >= 20


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SAFE_WORDS), min_size=1, max_size=12), st.sampled_from(SEPARATORS))
def test_text_with_no_chart_words_is_accepted(words, separator):
    assert check_duties([separator.join(words)]) == []


# --- duties written in Spanish ----------------------------------------------------------------
# How an agency or a peer-run organization in the U.S. writes these duties in Spanish.
STAFF_WORDING_ES = [
    ("Administrar medicamentos en la residencia", "administering_medications"),
    ("Repartir los medicamentos a las 8 a. m. y a las 8 p. m.", "administering_medications"),
    ("Dar a los residentes sus medicamentos", "administering_medications"),
    ("Llenar los pastilleros cada semana", "administering_medications"),
    ("Certificarse en MAP dentro de los 90 días de contratación", "map_certification"),
    ("Tomar la capacitación en administración de medicamentos", "map_certification"),
    ("Usar su historia de recuperación para fomentar el cumplimiento de la medicación", "encouraging_medication_compliance"),
    ("Asegurarse de que las personas tomen sus medicamentos", "encouraging_medication_compliance"),
    ("Vigilar el cumplimiento de la medicación", "reporting_medication_compliance"),
    ("Informar a la enfermera si la persona está tomando sus medicamentos", "reporting_medication_compliance"),
    ("Servir como representante de beneficiario de dos residentes", "representative_payee"),
    ("Decidir cómo los residentes gastan su mesada semanal", "deciding_on_funds"),
    ("Guardar el dinero de las personas y repartir la mesada", "deciding_on_funds"),
    ("Llevar a la persona en auto", "routine_rides"),
    ("Manejar la camioneta al programa de día y a las citas", "routine_rides"),
    ("Proveer transporte a citas según sea necesario", "routine_rides"),
    ("Limpiar los apartamentos de los residentes cada semana", "assigned_cleaning"),
    ("Completar evaluaciones escritas en la admisión", "completing_assessments"),
    ("Dar su opinión sobre cómo está funcionando la persona", "opinion_on_functioning"),
    ("Escribir planes de tratamiento con el equipo", "writing_treatment_plans"),
    ("Actualizar los ISP cada 90 días", "writing_treatment_plans"),
    ("Escribir notas de progreso de rutina", "routine_progress_notes"),
    ("Documentar el progreso hacia las metas en el expediente electrónico", "routine_progress_notes"),
    ("Asistir a las reuniones semanales del equipo de tratamiento", "meetings_without_the_person"),
    ("Recomendar el alta o la colocación en las reuniones de equipo", "opinion_on_what_should_happen"),
    ("Clasificar llamadas", "triaging_calls"),
    ("Hacer triaje de las llamadas entrantes", "triaging_calls"),
    ("Contestar los teléfonos de la oficina", "routine_phone_answering"),
    ("Cubrir la recepción", "routine_phone_answering"),
    ("Llevar los papeles de la Sección 12 a la sala de emergencias", "carrying_commitment_paperwork"),
    ("Declarar en contra de la persona en audiencias de internamiento", "testifying_against_the_person"),
    ("Hacer recomendaciones al tribunal", "recommendations_to_court"),
    ("Visitar cada semana aunque la persona diga que no", "visits_the_person_declined"),
    ("Convencer a las personas de ir a los grupos", "pressuring_someone"),
    ("Leer los expedientes de todas las personas con quienes va a trabajar", "reading_files"),
    ("Revisar las historias clínicas para conocer a las personas antes de verlas", "reading_files"),
    ("Enfocar las visitas individuales en las metas del plan de tratamiento", "focusing_on_treatment_plan_goals"),
    ("Archivar expedientes en la sala de archivos", "routine_filing"),
    ("Dirigir solo actividades recreativas", "recreation_only"),
    ("Llevar a las personas de salida aunque no quieran ir", "outings_they_dont_want"),
    ("Enfocarse en el empleo según lo indique el programa", "employment_as_assigned_focus"),
    ("Cumplir las metas de vivienda del programa", "housing_as_assigned_focus"),
]

# The consistent side of the chart in Spanish: "unless" phrases and the person's own request.
ACCEPTABLE_ES = [
    "Facilitar un grupo de apoyo entre pares",
    "Cofacilitar un grupo de WRAP",
    "Compartir su experiencia vivida para inspirar esperanza",
    "Acompañar a una persona a una cita a petición de la persona",
    "Ir con alguien a una cita para apoyarlo y abogar por él",
    "Llevar a la persona en auto a sus citas cuando lo pida",
    "Llevar a alguien en carro cuando lo pida",
    "Ayudar a alguien a escribir su propio plan WRAP",
    "Abogar por que se escuche la voz de la persona en la planificación de su tratamiento",
    "Apoyar a alguien para hablar con quien le receta sobre sus medicamentos",
    "Apoyar a alguien que está dejando sus medicamentos a buscar otros apoyos",
    "Apoyar a alguien a reunir información sobre sus medicamentos",
    "Trabajar con alguien para desarrollar habilidades como cuadrar su chequera",
    "Ayudar a alguien a planificar cómo recuperar su independencia sobre sus fondos",
    "Estar presente durante una evaluación como persona de apoyo",
    "Apoyar a la persona para que entienda lo que se escribe sobre ella",
    "Apoyar a la persona para que sepa lo que hay en su propio expediente",
    "Apoyar a alguien para que asista a su reunión de equipo de tratamiento",
    "Abogar por que no se hable de las personas sin ellas",
    "Participar en reuniones sobre políticas y buenas prácticas",
    "Ayudar a alguien a entender sus derechos",
    "Quedarse con alguien durante una audiencia de internamiento como apoyo",
    "Ayudar a alguien a organizar el cuidado de sus mascotas y el pago de sus cuentas",
    "Declarar como defensor en su nombre",
    "Acompañar a alguien al tribunal",
    "Reunirse individualmente cuando la persona lo pida",
    "Ayudar a buscar trabajo cuando la persona lo haya pedido",
    "Compartir lo que aprendió en su propia búsqueda de vivienda",
    "Contestar la línea cálida entre pares",
    "Contestar su propio teléfono",
    "Contestar los teléfonos de la oficina de vez en cuando",
    "Apoyar a las personas a encontrar conexiones significativas en la comunidad",
    "Salir a tomar un café como parte de construir una relación",
    "Ayudar a limpiar su apartamento cuando lo pida",
    "Ayudar a limpiar el apartamento a petición de la persona",
    "Leer el expediente con la persona, a petición de ella",
    "Apoyar a personas en angustia emocional escuchándolas y estando presentes",
    "Educar al personal sobre la recuperación y el lenguaje no clínico",
    "Ayudar a alguien a solicitar beneficios",
    "Trabajar en las metas del plan de tratamiento solo si la persona lo pide",
]


@pytest.mark.parametrize("text,code", STAFF_WORDING_ES)
def test_spanish_wording_is_refused_as_the_chart_duty(text, code):
    assert code in codes([text])


@pytest.mark.parametrize("text", ACCEPTABLE_ES)
def test_acceptable_spanish_peer_duties_are_not_refused(text):
    assert check_duties([text]) == []


@pytest.mark.parametrize("code", CODES)
def test_every_chart_duty_is_refused_by_its_own_spanish_phrases_and_name(code):
    duty = CHART.duty(code)
    assert duty.phrases_es, code
    missed = [phrase for phrase in duty.phrases_es if code not in codes([phrase.replace("*", "su")])]
    assert not missed, f"{code} Spanish phrases that do not refuse it on their own: {missed}"
    assert code in codes([duty.duty_es])


def test_asking_cancels_in_spanish_only_where_the_chart_says_so():
    assert codes(["Llevar a la persona en auto"]) == ["routine_rides"]
    assert codes(["Llevar a la persona en auto a petición de la persona"]) == []
    assert codes(["Limpiar el apartamento de alguien cuando lo pida"]) == []
    assert codes(["Leer los expedientes si la persona lo pide"]) == []
    assert codes(["Administrar medicamentos a petición de la persona"]) == ["administering_medications"]
    assert codes(["Clasificar llamadas cuando lo pidan"]) == ["triaging_calls"]


def test_a_line_may_mix_the_languages_and_keeps_its_order():
    assert codes(["Answer phones y clasificar llamadas"]) == ["routine_phone_answering", "triaging_calls"]
    assert codes(["Clasificar llamadas and answer phones"]) == ["triaging_calls", "routine_phone_answering"]
    # Either language's request marker or consistent form cancels a match in the other.
    assert codes(["Drive people to appointments cuando lo pidan"]) == []
    assert codes(["Llevar a la persona en auto at their request"]) == []
    assert codes(["Contestar los teléfonos occasionally"]) == []


def test_longest_phrase_decides_in_spanish_too():
    # Watching over adherence is reporting on it, not the "cumplimiento de la medicación" inside.
    assert codes(["Vigilar el cumplimiento de la medicación"]) == ["reporting_medication_compliance"]
    assert codes(["Certificarse para administrar medicamentos"]) == ["map_certification"]
    assert codes(["Llevar a alguien a una fiesta aunque no quiera ir"]) == ["outings_they_dont_want"]


def test_spanish_normalization_folds_accents_articles_and_contractions():
    assert normalize_es("Administración de los Medicamentos") == ("administracion", "de", "medicamentos")
    assert normalize_es("administracion del medicamento") == ("administracion", "de", "medicamento")
    assert normalize_es("Llevar al hospital") == ("llevar", "a", "hospital")
    assert normalize_es("¿Acompañar a una niña?") == ("acompanar", "a", "nina")  # ñ folded, consistently
    assert normalize_es("Evaluacio\u0301n") == ("evaluacion",)  # an accent typed as its own character
    assert normalize_es("con él") == ("con", "el") and normalize_es("con el equipo") == ("con", "equipo")
    assert codes(["ADMINISTRAR MEDICAMENTOS"]) == codes(["administrár medicaméntos"]) == ["administering_medications"]
    assert codes(["Dar la medicacion"]) == codes(["dar las medicaciones"]) == ["administering_medications"]
    assert codes(["Contestar el teléfono de la oficina una vez"]) == codes(["contestar telefonos de oficina varias veces"])


# The chart as it was read before Spanish: English matching must not move by a byte.
def _english_words_before_spanish(text: str) -> tuple[str, ...]:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"'s\b", "", text).replace("'", "")
    return tuple(word for word in re.sub(r"[^a-z0-9]+", " ", text).split() if word not in {"a", "an", "the"})


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
       | st.text(alphabet="aAsStTeE'\u2019\u2018 éñ-İΣσ\u0301", max_size=30))
def test_english_words_are_read_as_before(text):
    assert normalize(text) == _english_words_before_spanish(text)


def test_no_spanish_phrase_fires_on_the_english_samples():
    english = SAMPLE_TEXTS + [as_text(phrase) for duty in CHART.duties for phrase in duty.phrases + duty.unless]
    spanish = [*CHART.at_their_request, *(p for duty in CHART.duties for p in duty.phrase_patterns + duty.unless_patterns)]
    spanish = [pattern for pattern in spanish if pattern.language.code == "es"]
    lines = {text: duties_module._line(text) for text in english}
    fired = [(" ".join(pattern.words), text) for text, line in lines.items() for pattern in spanish
             if duties_module._spans(pattern, line[pattern.language])]
    assert not fired


@pytest.mark.parametrize("change, complaint", [
    (lambda raw: raw["duties"][0].pop("phrases_es"), "phrases_es"),
    (lambda raw: raw["duties"][0].update(phrases_es=[]), "phrases_es"),
    (lambda raw: raw["duties"][4].pop("unless_es"), "unless_es"),
    (lambda raw: raw["duties"][0].update(unless_es=["de vez en cuando"]), "unless_es"),
    (lambda raw: raw.pop("at_their_request_es"), "at_their_request_es"),
    (lambda raw: raw["duties"][0]["phrases_es"].append("Repartir pastillas"), "lowercase"),
    (lambda raw: raw["duties"][0]["phrases_es"].append("la *"), "no words"),
])
def test_a_chart_missing_spanish_phrases_is_refused_at_load(tmp_path, monkeypatch, change, complaint):
    test_a_chart_missing_spanish_is_refused_at_load(tmp_path, monkeypatch, change, complaint)


SPANISH_PHRASES = [(duty.code, pattern.words) for duty in CHART.duties for pattern in duty.phrase_patterns
                   if pattern.language.code == "es"]
ACCENTED = {"a": "áÁ", "e": "éÉ", "i": "íÍ", "o": "óÓ", "u": "úüÚ", "n": "ñÑ"}


def _plural(word: str) -> str:
    if word.endswith("z"):
        return word[:-1] + "ces"
    return word + ("s" if word[-1] in "aeiou" else "es")


@st.composite
def spanish_variant(draw):
    """A Spanish phrase of the chart as an admin might type it: accents, ñ, case and number changed."""
    code, words = draw(st.sampled_from(SPANISH_PHRASES))
    out = []
    for word in words:
        word = "su" if word == "*" else word
        plural = _plural(word)
        if word.isalpha() and plural not in duties_module.SPANISH_ARTICLES and draw(st.booleans()):
            word = plural
        out.append("".join(draw(st.sampled_from(c + c.upper() + ACCENTED.get(c, ""))) for c in word))
    return code, " ".join(out)


@settings(max_examples=400, deadline=None)
@given(spanish_variant())
def test_accents_case_and_plurals_of_a_spanish_phrase_are_refused(variant):
    code, text = variant
    assert code in codes([text]), text


@pytest.mark.parametrize("code,words", SPANISH_PHRASES, ids=lambda value: " ".join(value) if isinstance(value, tuple) else value)
def test_every_spanish_phrase_is_refused_in_capitals_and_in_the_plural(code, words):
    plain = [("su" if word == "*" else word) for word in words]
    plural = [_plural(word) if word.isalpha() and _plural(word) not in duties_module.SPANISH_ARTICLES else word
              for word in plain]
    assert code in codes([" ".join(plain).upper()]) and code in codes([" ".join(plural)])
