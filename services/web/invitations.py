"""The link an organization sends a peer worker: /invitations/<id>?secret=...

Opening it keeps the secret in the session and takes it out of the address at once (addresses end up
in logs and browser history); signing in keeps it too (auth.CARRIED). The gateway gets it only in the
X-Invitation-Secret header. Accepting links the peer worker's own sign-in to a profile at the
organization that invited them: nobody types an id.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from services.web.auth import gateway, requires, signed_in
from services.web.gateway import ApiError
from services.web.i18n import gettext

blueprint = Blueprint("invitations", __name__, url_prefix="/invitations")
KEPT = "invitation"  # the session's {"id", "secret"} of the link last opened


def _secret_header(invitation_id: str) -> dict:
    kept = session.get(KEPT) or {}
    return {"X-Invitation-Secret": kept.get("secret", "")} if kept.get("id") == invitation_id else {}


def _organization_name(organization_id: str) -> str:
    """Its name in the directory; its id when the directory does not know it (as on the profile page)."""
    try:
        return gateway().get(f"/organizations/{organization_id}")["name"]
    except ApiError as error:
        if error.status == 404:
            return organization_id
        raise


def _unavailable():
    session.pop(KEPT, None)
    return render_template("invitations/unavailable.html"), 404


@blueprint.get("/<uuid:invitation_id>")
def show(invitation_id):
    invitation_id = str(invitation_id)
    if request.args.get("secret"):
        session[KEPT] = {"id": invitation_id, "secret": request.args["secret"]}
        return redirect(url_for(".show", invitation_id=invitation_id))
    if not signed_in():
        return redirect(url_for("auth.sign_in", next=url_for(".show", invitation_id=invitation_id)))
    if session.get("role") != "peer":
        abort(403)
    try:
        invitation = gateway().get(f"/peer-worker-invitations/{invitation_id}", headers=_secret_header(invitation_id))
    except ApiError as error:
        if error.status == 404:
            return _unavailable()
        raise
    if invitation["status"] == "accepted" and invitation["peer_worker_id"] == session["user_id"]:
        return redirect(url_for("peer.home"))  # theirs already: the link opened again
    if invitation["status"] != "pending":
        return _unavailable()
    return render_template("invitations/show.html", invitation=invitation,
                           organization_name=_organization_name(invitation["organization_id"]))


@blueprint.post("/<uuid:invitation_id>")
@requires("peer")
def accept(invitation_id):
    invitation_id = str(invitation_id)
    try:
        gateway().post(f"/peer-worker-invitations/{invitation_id}/acceptances", None, _secret_header(invitation_id))
    except ApiError as error:
        if error.status == 422 and "peer_worker_id" in error.field_messages():
            session.pop(KEPT, None)
            flash(gettext("You already have a peer worker profile, so this invitation was not used."), "warning")
            return redirect(url_for("peer.home"))
        if error.status in (404, 422):
            return _unavailable()
        raise
    session.pop(KEPT, None)
    flash(gettext("Welcome. Your peer worker profile is linked to your organization."), "success")
    return redirect(url_for("peer.home"))
