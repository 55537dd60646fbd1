"""A person's whole path in a real browser, in Spanish, signed in through the real OpenID
Connect provider: enroll (with the preview of what each side would see), share an item, ask
for support, see offers that explain themselves, choose, wait, be accepted by the peer on
the peer's own page, see the connection, end it. Every page passes axe; each step is
photographed."""
import json
import uuid
from pathlib import Path

import pytest

from shared.identity import peernet_id
from tests.web.setup_api import Api

pytestmark = pytest.mark.integration
REGION = "Hampden County"


def tick(page, label: str) -> None:
    """USWDS draws its own boxes and moves the input off screen: a person clicks the label."""
    box = page.get_by_label(label, exact=True)
    if not box.is_checked():
        page.locator(f"label[for='{box.get_attribute('id')}']").click()


def step(page, check_accessibility, screenshot, name):
    check_accessibility(page, name)
    screenshot(page, name)


def test_a_person_enrolls_chooses_is_accepted_and_ends_the_connection_in_spanish(
        page, new_page, web_network, sign_in_with_provider, check_accessibility, screenshot):
    api = Api(web_network)
    organization_id, admin = api.organization(REGION)
    peer_login = web_network.new_account("peer")
    peer_name = f"Ana {uuid.uuid4().hex[:4]} (synthetic)"
    api.available_peer(peer_login, organization_id, admin, peer_name, REGION)
    api.wait_until_matching_caught_up()

    page.goto(web_network.url("/"))
    page.get_by_role("link", name="Español").click()
    step(page, check_accessibility, screenshot, "person-01-start-es")
    person_login = web_network.new_account("person")
    sign_in_with_provider(page, person_login)

    # Not enrolled yet: enrollment is offered, in plain words.
    page.wait_for_url("**/person/enroll")
    step(page, check_accessibility, screenshot, "person-02-enroll-es")
    page.get_by_label("¿Cómo quiere que le llamemos?").fill("Marisol (synthetic)")
    page.get_by_label("¿Dónde vive?").select_option(REGION)
    tick(page, "por teléfono")
    page.get_by_role("button", name="Mostrarme lo que vería cada parte").click()
    page.get_by_role("heading", name="Revise antes de aceptar").wait_for()
    assert "Marisol (synthetic)" in page.content()
    step(page, check_accessibility, screenshot, "person-03-preview-es")
    page.get_by_role("button", name="Acepto: inscribirme").click()
    page.get_by_role("heading", name="Mi apoyo").wait_for()

    # One item, for matching.
    page.get_by_role("link", name="Lo que comparto").first.click()
    page.get_by_label("Experiencia").select_option("heard_voices")
    tick(page, "Usarla para encontrar pares que compartieron lo mismo")
    page.get_by_role("button", name="Compartir este punto").click()
    page.get_by_text("Guardado.").wait_for()
    step(page, check_accessibility, screenshot, "person-04-items-es")

    # Ask, and see who is offered and why.
    page.goto(web_network.url("/person/support"))
    page.get_by_label("¿Qué espera encontrar?").fill("alguien que haya pasado por lo mismo")
    page.get_by_role("button", name="Mostrarme pares").click()
    page.get_by_role("heading", name="Pares que puede elegir").wait_for()
    card = page.locator(".usa-card", has_text=peer_name)
    assert "Los dos eligieron compartir" in card.inner_text()
    step(page, check_accessibility, screenshot, "person-05-offers-es")
    card.get_by_role("button", name="Elegir").click()
    page.get_by_role("heading", name="Esperando la respuesta de su par").wait_for()
    step(page, check_accessibility, screenshot, "person-06-waiting-es")

    # The peer worker answers on their own page, signed in through the same provider.
    peer_page = new_page()
    sign_in_with_provider(peer_page, peer_login)
    peer_page.get_by_role("link", name="Español").click()
    peer_page.goto(web_network.url("/peer/requests"))
    step(peer_page, check_accessibility, screenshot, "peer-01-requests-es")
    peer_page.get_by_role("button", name="Aceptar", exact=True).first.click()
    peer_page.get_by_text("Usted aceptó").wait_for()

    page.reload()
    page.get_by_role("heading", name=f"Está en conexión con {peer_name}").wait_for()
    step(page, check_accessibility, screenshot, "person-07-connected-es")
    page.get_by_role("link", name="Terminar esta conexión").click()
    page.get_by_role("heading", name=f"¿Terminar su conexión con {peer_name}?").wait_for()
    assert page.locator("textarea, input[type=text]").count() == 0, "no reason is asked"
    step(page, check_accessibility, screenshot, "person-08-end-es")
    page.get_by_role("button", name="Sí, terminarla").click()
    page.get_by_text("La conexión terminó.").wait_for()

    # The person's data: who saw what, in Spanish.
    page.get_by_role("link", name="Mis datos").first.click()
    page.get_by_role("heading", name="Quién vio sus datos").wait_for()
    step(page, check_accessibility, screenshot, "person-09-my-data-es")
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar todos mis datos").click()
    record = json.loads(Path(download.value.path()).read_text())
    assert record["person_id"] == peernet_id(web_network.issuer, person_login)
    assert record["details"]["display_name"] == "Marisol (synthetic)"
