"""The browser tests' harness is real: the provider is an OpenID Connect provider with PKCE,
the web pages answer, Chromium loads them from their own origin alone, axe-core finds nothing,
and signing in through the provider's own pages lands back on the web app signed in."""
import requests


def test_the_provider_publishes_discovery_with_pkce_s256_and_end_session(oidc_provider):
    discovery = requests.get(f"{oidc_provider}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == oidc_provider
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert discovery["end_session_endpoint"].startswith(oidc_provider)
    assert requests.get(discovery["jwks_uri"], timeout=10).json()["keys"][0]["alg"] == "RS256"


def test_the_web_pages_answer_health(web_network):
    assert requests.get(web_network.url("/health"), timeout=10).status_code == 200


def test_the_home_page_loads_from_its_own_origin_and_passes_axe(web_network, page, check_accessibility, screenshot):
    answer = page.goto(web_network.url("/"))
    assert answer.status == 200
    assert page.locator("h1").count() == 1
    check_accessibility(page, "home page")
    screenshot(page, "home")


def test_a_new_person_signs_in_through_the_provider_and_is_back_signed_in(
        web_network, page, sign_in_with_provider, check_accessibility, screenshot):
    login = web_network.new_account("person")
    page.goto(web_network.url("/"))
    sign_in_with_provider(page, login)
    assert page.url.startswith(web_network.web_url + "/")
    sign_out = page.locator('form[action="/signout"] button[type="submit"]')
    assert sign_out.is_visible(), f"not signed in at {page.url}: {page.locator('main').inner_text()[:500]}"
    check_accessibility(page, "a person's first page after signing in")
    screenshot(page, "signed-in-person")
