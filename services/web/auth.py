"""Signing in and out.

Production: OpenID Connect, authorization code flow with PKCE (S256), through
Authlib, against the state's own provider; the provider's access token is the
bearer token the pages send to the gateway, and the gateway says who that is
(`GET /me`). Development (no issuer configured): a page to pick one of
`make demo`'s synthetic users, clearly labelled, which mints development tokens
the gateway accepts only when it too has no issuer.

The session is Flask's signed cookie (HttpOnly, Secure, SameSite=Lax); it also
carries when it ends, checked on every request, so a kept cookie outlives
nothing.
"""
from __future__ import annotations

import time
import uuid
from functools import wraps
from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from services.web.gateway import ApiError, Gateway, read_every
from services.web.i18n import gettext
from shared.dev_tokens import mint_development_token

SIGNED_IN = ("token", "user_id", "role", "organization_id", "ends_at")
CARRIED = ("lang", "invitation")  # what signing in keeps: the language, and an invitation link opened before
ROLE_HOME = {"person": "person.home", "peer": "peer.home", "supervisor": "supervisor.home",
             "agency_admin": "organization.home", "state_auditor": "state.home"}
DEMO_SIZE = 6  # synthetic users offered per role on the development sign-in page
DEVELOPMENT_ROLES = ("person", "peer", "supervisor", "agency_admin", "state_auditor")


def signed_in() -> bool:
    return bool(session.get("token")) and session.get("ends_at", 0) > time.time()


def user_id() -> str:
    """The signed-in user's peernet id, as the gateway told it at sign-in."""
    return session["user_id"]


def gateway(token: str | None = None) -> Gateway:
    """The gateway as the signed-in user (or anonymous), or as the bearer of a fresh token."""
    if token is not None:
        return Gateway(current_app.config["PEERNET"].gateway_url, token, current_app.extensions["peernet_http"])
    if "gateway" not in g:
        g.gateway = Gateway(current_app.config["PEERNET"].gateway_url, session.get("token") if signed_in() else None,
                            current_app.extensions["peernet_http"])
    return g.gateway


def requires(*roles: str):
    """A page for these roles; anyone else is sent to sign in (or home, if signed in as another role)."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not signed_in():
                session.pop("token", None)
                return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
            if session["role"] not in roles:
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate


def end_session() -> None:
    """Signed out: nothing of the user is kept, but the language they read in."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _begin(token: str, lifetime: float) -> None:
    """Ask the gateway who the token names, and keep that in the session."""
    me = gateway(token).get("/me")
    carried = {key: session[key] for key in CARRIED if key in session}
    session.clear()
    session.update(carried)
    session.update(token=token, user_id=me["user_id"], role=me["role"], organization_id=me.get("organization_id"),
                   ends_at=time.time() + lifetime)
    session.permanent = True


def _home() -> str:
    return url_for(ROLE_HOME.get(session.get("role"), "pages.index"))


def _safe_next(target: str | None) -> str | None:
    # Only a path on this site: never an open redirect.
    return target if target and target.startswith("/") and not target.startswith("//") else None


def blueprint(settings) -> Blueprint:
    bp = Blueprint("auth", __name__)
    oauth = OAuth()
    lifetime = settings.session_hours * 3600
    if not settings.development:
        oauth.register("provider", client_id=settings.client_id, client_secret=settings.client_secret,
                       server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
                       client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"})

    @bp.record_once
    def _init(state):
        oauth.init_app(state.app)

    @bp.get("/signin")
    def sign_in():
        if signed_in():
            return redirect(_home())
        session["next"] = _safe_next(request.args.get("next"))
        if settings.development:
            return render_template("signin_development.html", demo=_demo_users())
        return oauth.provider.authorize_redirect(settings.web_url + url_for("auth.callback"))

    @bp.get("/auth/callback")
    def callback():
        if settings.development:
            abort(404)
        try:
            token = oauth.provider.authorize_access_token()
        except OAuthError:
            return render_template("signin_failed.html"), 400
        following = session.get("next")
        _begin(token["access_token"], min(lifetime, max(60, token.get("expires_at", 0) - time.time())))
        session["id_token"] = token.get("id_token")
        return redirect(_safe_next(following) or _home())

    @bp.post("/signin/development")
    def development_sign_in():
        if not settings.development:
            abort(404)  # never on an installation with an identity provider
        role = request.form.get("role", "")
        user_id = request.form.get("user_id") or str(uuid.uuid4())
        organization_id = None
        if role == "agency_admin":
            user_id, organization_id = _demo_admin(request.form.get("organization", ""))
            if organization_id is None:
                return render_template("signin_development.html", demo=_demo_users(), not_loaded=True), 409
        if role not in DEVELOPMENT_ROLES or not _is_uuid(user_id):
            abort(400)
        following = session.get("next")
        _begin(mint_development_token(role, user_id, organization_id, lifetime=int(lifetime)), lifetime)
        return redirect(_safe_next(following) or _home())

    @bp.post("/signout")
    def sign_out():
        id_token = session.get("id_token")
        end_session()
        if not settings.development and id_token:
            end = oauth.provider.load_server_metadata().get("end_session_endpoint")
            if end:
                query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": settings.web_url + "/"})
                return redirect(f"{end}?{query}")
        return redirect(url_for("pages.index", signed_out=1))

    return bp


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _demo_users() -> dict:
    """The first synthetic people and peer workers of `make demo` (same ids, same names); its peer
    supervisors sign in as supervisors with their peer worker id, as the demo itself does."""
    from deploy.demo.plan import demo_id, plan

    network = plan(people=DEMO_SIZE, peer_workers=DEMO_SIZE)
    return {"person": [(p.person_id, p.display_name) for p in network.people],
            "peer": [(w.peer_worker_id, w.display_name) for w in network.peer_workers],
            "supervisor": [(w.peer_worker_id, w.display_name) for w in network.peer_workers if w.supervisor],
            "agency_admin": [(o.key, o.name) for o in network.organizations[:DEMO_SIZE]],
            # The state needs no demo data to sign in: one administrator, a fixed id like the demo's.
            "state_auditor": [(demo_id("state-administrator", 1), gettext("A state administrator"))]}


def _demo_admin(key: str) -> tuple[str, str | None]:
    """An admin of one of make demo's organizations: the directory gives organizations their ids, so
    the id is looked up by the plan's name and kind, as the demo itself does; None when not loaded."""
    from deploy.demo.plan import demo_id, plan

    wanted = next((o for o in plan(people=DEMO_SIZE, peer_workers=DEMO_SIZE).organizations[:DEMO_SIZE]
                   if o.key == key), None)
    if wanted is None:
        abort(400)
    reader = gateway(mint_development_token("person", str(uuid.uuid4()), lifetime=60))
    found = next((o["organization_id"] for o in read_every(reader, "/organizations", include_closed="true")
                  if (o["name"], o["kind"]) == (wanted.name, wanted.kind)), None)
    return demo_id("organization-admin", key), found


__all__ = ["ApiError", "blueprint", "gateway", "requires", "signed_in"]
