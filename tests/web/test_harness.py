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


def test_signing_out_ends_the_session_at_the_provider_too(web_network, page, sign_in_with_provider,
                                                           sign_out_with_provider):
    login = web_network.new_account("person")
    sign_in_with_provider(page, login)
    sign_out_with_provider(page)
    assert page.url.startswith(web_network.web_url + "/")
    assert page.locator('form[action="/signout"]').count() == 0
    # Signing in again asks for the login again: the provider's session ended too.
    page.locator('a[href^="/signin"]').first.click()
    page.wait_for_url(lambda url: url.startswith(web_network.issuer), timeout=30_000)
    assert page.locator('input[name="login"]').count() == 1


def test_a_request_to_another_origin_is_caught_on_every_page_of_the_test(web_network, page, new_page, request):
    from tests.web.conftest import allowed_origins, other_origins

    page.goto(web_network.url("/"))
    other_user = new_page()  # a second user's page, in a context of its own
    other_user.goto(web_network.url("/"))
    elsewhere = "http://127.0.0.1:9/elsewhere.png"  # the discard port: nothing answers
    other_user.evaluate("(url) => new Promise((done) => { const img = new Image(); img.onerror = img.onload = done; "
                        "img.src = url; document.body.append(img); })", elsewhere)
    # The CSP (img-src 'self') may stop it before it leaves; Chromium then reports no request.
    seen = request.node.peernet_requests
    allowed = allowed_origins({"web_network": web_network})
    assert allowed == {web_network.web_url, web_network.issuer}
    assert sum(url == web_network.url("/") for url in seen) == 2  # both pages are recorded
    assert other_origins(seen, allowed) in ([elsewhere], [])
    assert other_origins([*seen, elsewhere, "data:image/png;base64,xx", "about:blank"], allowed) == [elsewhere]
    seen.clear()  # this test's own stray request is not the harness's failure


def test_the_development_network_offers_its_own_sign_in(dev_network, page, check_accessibility, screenshot):
    assert dev_network.issuer is None
    answer = page.goto(dev_network.url("/signin"))
    assert answer.status == 200
    assert page.locator('form[action="/signin/development"]').count() >= 1
    check_accessibility(page, "development sign-in")
    screenshot(page, "development-sign-in")
