"""The web application: Flask, Jinja2 and USWDS, served by gunicorn (no nameko, no eventlet).

Every page is rendered on the server and works with JavaScript off; htmx only
spares a reload where it can. Every POST carries a CSRF token; the
Content-Security-Policy allows no inline script and nothing from another origin.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from flask import Flask, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from services.web import (auth, i18n, invitations, notifications, organization, pages, peer, person, state,
                          supervisor)
from services.web.assets import Assets
from services.web.gateway import ApiError
from services.web.settings import Settings, from_env
from services.web.vocabulary import Vocabulary

log = logging.getLogger("peernet.web")


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or from_env()
    app = Flask(__name__)
    app.config.update(
        PEERNET=settings, SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="peernet", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_SAMESITE="Lax", PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which itself ends
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.extensions["peernet_http"] = requests.Session()
    app.extensions["peernet_vocabulary"] = Vocabulary(settings.gateway_url, app.extensions["peernet_http"])
    CSRFProtect(app)
    assets = Assets()
    languages = i18n.Languages(strict=settings.strict_i18n)
    app.extensions["peernet_languages"] = languages
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(languages.gettext, languages.ngettext, newstyle=True)
    app.jinja_env.globals.update(asset=assets.url, signed_in=auth.signed_in, language_name=i18n.language_name,
                                 development=settings.development)
    app.jinja_env.filters.update(date=i18n.format_date, datetime=i18n.format_datetime, number=i18n.format_number)
    form_action = " ".join(["'self'", _origin(settings.oidc_issuer)]).strip()
    csp = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           f"connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'self'; "
           "object-src 'none'")

    @app.before_request
    def choose_language():
        g.started = time.perf_counter()
        g.locale = languages.select()

    @app.after_request
    def protect(response):
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        # The page's own time beside the gateway's, for make bench and for anyone looking.
        timing = [f"app;dur={(time.perf_counter() - g.get('started', time.perf_counter())) * 1000:.1f}"]
        if "gateway" in g:
            timing.append(f"gateway;dur={g.gateway.seconds * 1000:.1f};desc=\"{g.gateway.calls} calls\"")
        response.headers["Server-Timing"] = ", ".join(timing)
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"  # pages about a person are never kept
            response.headers["Vary"] = "Cookie, Accept-Language"
        return response

    @app.get("/health")
    def health():
        return {"status": "ok"}

    @app.get("/language/<locale>")
    def switch_language(locale):
        if locale in i18n.LOCALES:
            session["lang"] = locale
        target = request.args.get("next", "/")
        return redirect(target if target.startswith("/") and not target.startswith("//") else "/")

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        if error.status == 401:
            session.pop("token", None)
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        status = error.status if error.status in (403, 404, 409) else 503
        return render_template("error.html", status=status, api_error=error), status

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("error.html", status=400, csrf=True), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_template("error.html", status=error.code), error.code

    @app.errorhandler(Exception)
    def unexpected(error):
        log.exception("unexpected failure in %s %s", request.method, request.path)
        return render_template("error.html", status=500), 500

    app.register_blueprint(assets.blueprint())
    app.register_blueprint(auth.blueprint(settings))
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(person.blueprint)
    app.register_blueprint(peer.blueprint)
    app.register_blueprint(supervisor.blueprint)
    app.register_blueprint(organization.blueprint)
    app.register_blueprint(state.blueprint)
    app.register_blueprint(invitations.blueprint)
    app.register_blueprint(notifications.blueprint)
    app.register_blueprint(notifications.unsubscribing)
    return app


def _origin(url: str) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
