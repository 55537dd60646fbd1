"""An access token from the tests' OpenID Connect provider without a browser: the same
authorization code flow with PKCE the web app runs, through the provider's own login and
consent forms, read with requests. Tests use it to set up what other roles' pages (not
built yet, or not under test) would do through the gateway."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", re.S)
INPUT = re.compile(r"<input[^>]*name=\"([^\"]+)\"(?:[^>]*?value=\"([^\"]*)\")?[^>]*>")
CLIENT_ID = "peernet-web"


def access_token(issuer: str, client_secret: str, redirect_uri: str, login: str) -> str:
    metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    session = requests.Session()
    answer = session.get(metadata["authorization_endpoint"], allow_redirects=False, timeout=10, params={
        "client_id": CLIENT_ID, "response_type": "code", "scope": "openid profile", "redirect_uri": redirect_uri,
        "state": secrets.token_urlsafe(8), "code_challenge": challenge, "code_challenge_method": "S256"})
    for _ in range(12):
        location = answer.headers.get("Location")
        if location and location.startswith(redirect_uri):
            code = parse_qs(urlsplit(location).query)["code"][0]
            break
        if location:
            answer = session.get(urljoin(answer.url, location), allow_redirects=False, timeout=10)
            continue
        action, body = FORM.search(answer.text).groups()
        fields = {name: unescape(value or "") for name, value in INPUT.findall(body)}
        fields.update({"login": login, "password": "any password"} if "login" in fields else {})
        answer = session.post(urljoin(answer.url, unescape(action)), data=fields, allow_redirects=False, timeout=10)
    else:
        raise AssertionError(f"the provider never redirected back with a code for {login}")
    tokens = requests.post(metadata["token_endpoint"], auth=(CLIENT_ID, client_secret), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    return tokens.json()["access_token"]
