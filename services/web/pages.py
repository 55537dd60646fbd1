"""Pages for everyone: the front page, and home by role once signed in."""
from flask import Blueprint, redirect, render_template, session, url_for

from services.web.auth import ROLE_HOME, signed_in

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def index():
    if signed_in() and session.get("role") in ROLE_HOME:
        return redirect(url_for(ROLE_HOME[session["role"]]))
    return render_template("index.html")
