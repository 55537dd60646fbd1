"""Browser tests of the web pages: Debian's Chromium driven by Playwright (pytest-playwright),
against the whole network as `make run` starts it (every service, relays, the gateway and the
web pages) on a private vhost, signing in through a real OpenID Connect provider
(tests/web/oidc/provider.mjs, panva's oidc-provider).

Fixtures:
  oidc_provider            (session) the provider's issuer, a str; .add_account(login, role, ...)
  web_network              (session) the network trusting that provider: .web_url, .gateway_url,
                           .issuer, .new_account(role, organization_id=None) -> a fresh login
  dev_network              (session) the network with no issuer: development sign-in
  page                     pytest-playwright's page; the test fails if it requested any origin
                           but the web app's and the provider's
  new_page                 () -> another user's page (a context of its own), checked the same way
  check_accessibility      (page, name): axe-core, WCAG 2.2 A/AA tags, no violation allowed
  screenshot               (page, name): var/screenshots/<name>.png (and docs/screenshots/ with
                           PEERNET_UPDATE_SCREENSHOTS=1)
  sign_in_with_provider    (page, login): from the web page's sign-in through the provider's
                           login (and consent) pages back to the web app
  sign_out_with_provider   (page): the web page's "Sign out", the provider's confirmation, back

Nothing here is skipped: a missing Chromium, Node.js or node_modules fails with what to run.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests

from shared.network import GATEWAY, PROCESSES, WEB, Network
from tests.support import free_port_base, private_vhost

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
PROVIDER_SCRIPT = Path(__file__).parent / "oidc" / "provider.mjs"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CLIENT_ID = "peernet-web"
AUDIENCE = "peernet"
DEV_JWT_SECRET = "web-tests-development-secret-" + "w" * 32


def chromium_path() -> str:
    return os.environ.get("PEERNET_CHROMIUM") or "/usr/bin/chromium"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium by its path: Playwright's own browser download is not used."""
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"Chromium is missing at {path}: `make test` installs it (as root), or "
                    "`sudo apt-get install chromium`, or set PEERNET_CHROMIUM=/path/to/chromium", pytrace=False)
    return {**browser_type_launch_args, "executable_path": path, "headless": True, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def page(page, request):
    """Playwright's page, recording every request of its context (popups too); the test fails
    after its body if any went to an origin other than the web app's and the provider's."""
    if not hasattr(request.node, "peernet_requests"):
        request.node.peernet_requests = []
    seen = request.node.peernet_requests
    page.context.on("request", lambda sent: seen.append(sent.url))
    return page


@pytest.fixture
def new_page(browser, browser_context_args, request):
    """Another user's page: a browser context of its own (its own cookies), recorded as `page` is.
    new_page() -> page; every context it opened is closed after the test."""
    contexts = []

    def open_page():
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        if not hasattr(request.node, "peernet_requests"):
            request.node.peernet_requests = []
        context.on("request", lambda sent: request.node.peernet_requests.append(sent.url))
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # a test that failed already raises here, before the check
    seen = getattr(item, "peernet_requests", None)
    if seen is not None:
        allowed = allowed_origins(item.funcargs)
        others = other_origins(seen, allowed)
        if others:
            pytest.fail("no request to another origin: the page asked "
                        + ", ".join(others[:20]) + f" (allowed: {', '.join(sorted(allowed))})", pytrace=False)
    return result


def other_origins(urls, allowed: set[str]) -> list[str]:
    """The URLs (http, https, ws, wss; not data:, blob: or about:) outside the allowed origins."""
    return sorted({url for url in urls if urlsplit(url).scheme in ("http", "https", "ws", "wss")
                   and origin(url) not in allowed})


def allowed_origins(funcargs: dict) -> set[str]:
    allowed = set()
    for name in ("web_network", "dev_network"):
        network = funcargs.get(name)
        if network is not None:
            allowed.add(origin(network.web_url))
            if network.issuer:
                allowed.add(origin(network.issuer))
    if funcargs.get("oidc_provider") is not None:
        allowed.add(origin(funcargs["oidc_provider"]))
    return allowed


# --- the OpenID Connect provider ---------------------------------------------------------

class Issuer(str):
    """The provider's issuer URL, which can also add accounts while it runs."""

    client_secret: str

    def add_account(self, login: str, role: str | None = None, organization_id: str | None = None,
                    name: str | None = None) -> str:
        claims = {key: value for key, value in
                  {"role": role, "organization_id": organization_id, "name": name}.items() if value}
        answer = requests.post(f"{self}/test/accounts", json={login: claims}, timeout=10,
                               headers={"Authorization": f"Bearer {self.client_secret}"})
        assert answer.status_code == 204, answer.text
        return login


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing (the OpenID Connect provider of the browser tests runs on it): "
                    "`make test` installs it (as root), or `sudo apt-get install nodejs npm`", pytrace=False)
    if not (NODE_MODULES / "oidc-provider" / "package.json").exists() or not AXE.exists():
        pytest.fail("node_modules/ lacks oidc-provider or axe-core: `make test` installs them, or `npm ci`",
                    pytrace=False)
    return node


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def web_port_base():
    """The port base of web_network, chosen before the provider starts: the provider must know
    the web app's redirect URIs."""
    return free_port_base()


@pytest.fixture(scope="session")
def oidc_provider(web_port_base, tmp_path_factory):
    node = require_node()
    port = free_port()
    issuer = Issuer(f"http://127.0.0.1:{port}")
    issuer.client_secret = secrets.token_urlsafe(32)
    web_url = f"http://127.0.0.1:{web_port_base}"
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    env = {**os.environ, "PEERNET_TEST_OIDC_PORT": str(port), "PEERNET_TEST_CLIENT_SECRET": issuer.client_secret,
           "PEERNET_TEST_REDIRECT_URIS": json.dumps([f"{web_url}/auth/callback"]),
           "PEERNET_TEST_POST_LOGOUT_URIS": json.dumps([f"{web_url}/"]),
           "PEERNET_TEST_ACCOUNTS": os.environ.get("PEERNET_TEST_ACCOUNTS", "{}"),
           "PEERNET_TEST_AUDIENCE": AUDIENCE}
    with open(log, "wb") as output:
        process = subprocess.Popen((node, str(PROVIDER_SCRIPT)), env=env, cwd=ROOT, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"the OpenID Connect provider exited with {process.returncode}:\n{log.read_text()}",
                            pytrace=False)
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the OpenID Connect provider did not answer within 30 s:\n{log.read_text()}",
                            pytrace=False)
            time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the network -------------------------------------------------------------------------

@dataclass
class WebNetwork:
    web_url: str           # http://127.0.0.1:<port>, no trailing slash (PEERNET_WEB_URL is this + "/")
    gateway_url: str       # http://127.0.0.1:<port>
    issuer: str | None     # the provider's issuer; None on the development network
    network: Network = field(repr=False)
    provider: Issuer | None = field(default=None, repr=False)

    def url(self, path: str = "/") -> str:
        return self.web_url + path

    def new_account(self, role: str, organization_id: str | None = None, name: str | None = None) -> str:
        """A fresh login at the provider with this role (tests never share users)."""
        assert self.provider is not None, "the development network has no provider: sign in on its own page"
        return self.provider.add_account(f"{role}-{uuid.uuid4().hex[:12]}", role, organization_id, name)


def start_network(amqp_uri: str, directory: Path, env: dict, port_base: int | None = None) -> Network:
    """The whole network, as tests/conftest.py's network_factory makes it, but for a session."""
    network = Network(
        env={"AMQP_URI": amqp_uri, "PEERNET_EXCHANGE": f"peernet.events.{directory.name}",
             "PEERNET_VAR_DIR": str(directory / "var"), "PEERNET_STORE": "sqlite",
             "PEERNET_WEB_STRICT_I18N": "1", **env},
        services=PROCESSES, port_base=port_base or free_port_base(), log_dir=directory / "logs",
    )
    try:
        network.start(timeout=120)
    except BaseException:
        network.stop()
        raise
    return network


def _urls(network: Network) -> tuple[str, str]:
    return (network.specs[WEB].url.rstrip("/"), f"http://127.0.0.1:{network.specs[GATEWAY].port}")


@pytest.fixture(scope="session")
def web_network(amqp_uri, oidc_provider, web_port_base, tmp_path_factory):
    # A vhost of its own: two networks up at once would share nameko's RPC queues (rpc-intake...),
    # and one's matching would catch up from the other's intake.
    with private_vhost(amqp_uri) as own_uri:
        yield from _web_network(own_uri, oidc_provider, web_port_base, tmp_path_factory)


def _web_network(amqp_uri, oidc_provider, web_port_base, tmp_path_factory):
    network = start_network(amqp_uri, tmp_path_factory.mktemp("webnet"), {
        "PEERNET_OIDC_ISSUER": str(oidc_provider), "PEERNET_OIDC_AUDIENCE": AUDIENCE,
        "PEERNET_WEB_OIDC_CLIENT_ID": CLIENT_ID, "PEERNET_WEB_OIDC_CLIENT_SECRET": oidc_provider.client_secret,
        # Chromium keeps Secure cookies on http://127.0.0.1 (a secure context).
        "PEERNET_WEB_SECURE_COOKIES": "1",
    }, port_base=web_port_base)
    try:
        web_url, gateway_url = _urls(network)
        yield WebNetwork(web_url, gateway_url, str(oidc_provider), network, oidc_provider)
    finally:
        network.stop()


@pytest.fixture(scope="session")
def dev_network(amqp_uri, tmp_path_factory):
    with private_vhost(amqp_uri) as own_uri:  # as web_network's
        network = start_network(own_uri, tmp_path_factory.mktemp("devnet"), {
            "PEERNET_JWT_SECRET": DEV_JWT_SECRET, "PEERNET_WEB_SECURE_COOKIES": "1",
        })
        try:
            web_url, gateway_url = _urls(network)
            yield WebNetwork(web_url, gateway_url, None, network)
        finally:
            network.stop()


DEMO_SIZE = {"counties": 2, "people": 12, "peer_workers": 6}


@pytest.fixture(scope="session")
def demo(dev_network):
    """`make demo`, small, into the development network: the users its sign-in page offers."""
    done = subprocess.run([sys.executable, "-m", "deploy.demo", "--gateway", dev_network.gateway_url, "--quiet",
                           *[f"--{k.replace('_', '-')}={v}" for k, v in DEMO_SIZE.items()]], cwd=ROOT,
                          timeout=300, env={**os.environ, "PEERNET_JWT_SECRET": DEV_JWT_SECRET},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return dev_network


# --- checks and helpers ------------------------------------------------------------------

def sign_in_as(page, network, name: str) -> None:
    """The development sign-in page's button of that name."""
    page.goto(network.url("/signin"))
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def narrow_enough(page) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide nothing scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width} px wide at a 320 px viewport"


def check_pages(page, network, paths) -> None:
    """Each page in English and Spanish: one main heading, no axe violation; and at 320 px, no
    sideways scrolling."""
    for path in paths:
        for language in ("en", "es"):
            page.goto(network.url(f"/language/{language}?next={quote(path)}"))
            assert page.locator("h1").count() == 1, f"{path} has one main heading"
            check_accessibility_of(page, f"{path} ({language})")
        page.set_viewport_size({"width": 320, "height": 700})
        page.reload()
        narrow_enough(page)
        page.set_viewport_size({"width": 1280, "height": 900})


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now. Injected through the DevTools protocol,
    which the pages' Content-Security-Policy (script-src 'self') does not apply to."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;void 0")
    return page.evaluate("""async (tags) => {
        const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary}))}));
    }""", AXE_TAGS)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def check_accessibility_of(page, name: str) -> None:
    violations = run_axe(page)
    assert not violations, (f"{name} ({page.url}) fails WCAG 2.2 AA checks (axe-core, tags "
                            f"{', '.join(AXE_TAGS)}):\n{describe_violations(violations)}")


def screenshot_of(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("PEERNET_UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOTS / f"{name}.png")
    return path


def sign_in_through(page, web_url: str, issuer: str, login: str, password: str = "any password",
                    timeout: float = 30.0) -> None:
    """From the web app's sign-in link, through the provider's own login (and consent) pages,
    until the browser is back on the web app."""
    web, provider = origin(web_url), origin(issuer)
    if origin(page.url) != web:
        page.goto(web_url + "/")
    page.locator('a[href^="/signin"]').first.click()
    page.wait_for_url(lambda url: origin(url) in (provider, web), timeout=timeout * 1000)
    complete_sign_in(page, web_url, login, password, timeout)


def complete_sign_in(page, web_url: str, login: str, password: str = "any password", timeout: float = 30.0) -> None:
    """At the provider's pages (wherever the web app sent the browser from): log in, consent if
    asked, until the browser is back on the web app."""
    web = origin(web_url)
    deadline = time.monotonic() + timeout
    while origin(page.url) != web:
        assert time.monotonic() < deadline, f"still at {page.url} after {timeout} s of signing in as {login}"
        page.wait_for_load_state()
        login_field = page.locator('input[name="login"]')
        consent = page.locator('form:has(input[name="prompt"][value="consent"]) button[type="submit"]')
        if login_field.count():
            login_field.fill(login)
            page.locator('input[name="password"]').fill(password)
            submit = page.locator('form:has(input[name="prompt"][value="login"]) button[type="submit"]')
        elif consent.count():
            submit = consent
        else:
            page.wait_for_timeout(100)
            continue
        with page.expect_navigation(timeout=timeout * 1000):
            submit.click()
    page.wait_for_load_state()


def sign_out_through(page, web_url: str, timeout: float = 30.0) -> None:
    """The web page's "Sign out", then the provider's own "Yes, sign me out" (RP-initiated
    logout), until the browser is back on the web app."""
    web = origin(web_url)
    with page.expect_navigation(timeout=timeout * 1000):
        page.locator('form[action="/signout"] button[type="submit"]').first.click()
    deadline = time.monotonic() + timeout
    while origin(page.url) != web:
        assert time.monotonic() < deadline, f"still at {page.url} after {timeout} s of signing out"
        page.wait_for_load_state()
        confirm = page.locator('button[name="logout"][value="yes"]')
        if confirm.count():
            with page.expect_navigation(timeout=timeout * 1000):
                confirm.click()
        else:
            page.wait_for_timeout(100)
    page.wait_for_load_state()


@pytest.fixture
def check_accessibility():
    return check_accessibility_of


@pytest.fixture
def screenshot():
    return screenshot_of


@pytest.fixture
def sign_in_with_provider(web_network):
    def sign_in(page, login: str, password: str = "any password") -> None:
        sign_in_through(page, web_network.web_url, web_network.issuer, login, password)

    return sign_in


def pytest_collection_modifyitems(items):
    """Under `pytest -n N --dist loadgroup`, the tests of one network run on one worker, so no
    worker starts a network (20-40 s of CPU) that another has started already."""
    for item in items:
        if not item.nodeid.startswith("tests/web/"):
            continue  # a session-wide hook: every item of the run passes here
        names = getattr(item, "fixturenames", ())
        group = "dev_network" if "dev_network" in names else "web_network" if (
            "web_network" in names or "oidc_provider" in names) else None
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def sign_out_with_provider(web_network):
    def sign_out(page) -> None:
        sign_out_through(page, web_network.web_url)

    return sign_out
