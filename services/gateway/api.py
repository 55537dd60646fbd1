"""The resources: one table of routes, each a noun in the plural, ids in paths,
POST to act, GET to read, every list paged by cursor and filtered by query parameters.

Grow it as the services grow: a route, its schemas, and a handler that checks
the caller's scope and calls one RPC. The services check again.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response

from services.gateway import (agreements, audit, directory, duty_checks, notifications, pagination,
                              peer_invitations, people, schemas, supervision, workforce)
from services.gateway.app import Call, Reply, Route
from services.gateway.auth import TOKEN_ROLES
from services.gateway.docs import render_docs
from shared import config
from shared.contracts.commands.directory import OPERATIONS as DIRECTORY
from shared.contracts.commands.intake import OPERATIONS as INTAKE
from shared.contracts.commands.matching import OPERATIONS as MATCHING
from shared.vocabularies import vocabularies

SIGNED_IN = TOKEN_ROLES
VOCABULARIES = vocabularies()
VOCABULARIES_ETAG = f'"{VOCABULARIES["version"]}"'
VOCABULARIES_CACHE = {"Cache-Control": "public, max-age=3600", "ETag": VOCABULARIES_ETAG}
EVENT_BATCH = 500
MAX_BATCHES = 5  # a filtered page reads at most this many batches, then hands back a cursor


class ServicePath(Schema):
    service = fields.String(required=True, validate=validate.OneOf(config.SERVICES))


# -- peer workers (intake) -------------------------------------------------------
# Intake's access table gives each route its roles and refuses, before any call, a peer worker naming
# another's profile or an agency admin recording one for another organization.
def record_peer_worker_profile(call: Call):
    peer_worker_id = call.rpc("intake", "record_peer_worker_profile", call.raw_body)
    return Reply({"peer_worker_id": peer_worker_id}, headers={"Location": f"/candidates/{peer_worker_id}"})


def share_experience(call: Call):
    peer_worker_id = call.path["peer_worker_id"]
    call.rpc("intake", "share_experience", {**call.raw_body, "peer_worker_id": str(peer_worker_id)})
    return {"peer_worker_id": peer_worker_id, **call.body}


def withdraw_experience(call: Call):
    peer_worker_id = call.path["peer_worker_id"]
    call.rpc("intake", "withdraw_experience", {**call.raw_body, "peer_worker_id": str(peer_worker_id)})
    return {"peer_worker_id": peer_worker_id, **call.body}


def read_peer_worker(call: Call):
    return call.rpc("intake", "peer_worker_profile", str(call.path["peer_worker_id"]))


# -- matching -------------------------------------------------------------------
def read_candidate(call: Call):
    return call.rpc("matching", "candidate", str(call.path["peer_worker_id"]))


# -- organizations (directory) --------------------------------------------------------
def register_organization(call: Call):
    organization_id = call.rpc("directory", "register_organization", call.raw_body)
    return {"organization_id": organization_id}


# -- the services themselves -----------------------------------------------------------
def list_services(call: Call):
    return pagination.page([{"name": name} for name in config.SERVICES], call.query)


def read_positions(call: Call):
    service = call.path["service"]
    return {"service": service, **call.rpc(service, "positions")}


def list_integration_events(call: Call):
    """Events in log order after the cursor; `type` filters, so a page may be short, never wrong."""
    after = (pagination.decode(call.query.get("cursor"), {"after": int}) or {"after": 0})["after"]
    limit, wanted = call.query["limit"], call.query.get("type")
    size = EVENT_BATCH if wanted else limit
    items, finished = [], False
    for _ in range(MAX_BATCHES):
        batch = call.rpc(call.path["service"], "integration_events", after, size)
        for event in batch:
            if wanted is None or event["type"] == wanted:
                items.append(event)
            after = event["position"]
            if len(items) == limit:
                break
        finished = len(batch) < size and len(items) < limit
        if finished or len(items) == limit:
            break
    return {"items": items, "next_cursor": None if finished else pagination.encode({"after": after})}


# -- the gateway itself ----------------------------------------------------------------
def read_me(call: Call):
    caller = call.caller
    return {"user_id": caller.user_id, "role": caller.role, "organization_id": caller.organization_id}


def read_vocabularies(call: Call):
    if VOCABULARIES_ETAG in _if_none_match(call):
        return Response(status=304, headers=VOCABULARIES_CACHE)
    return Reply(VOCABULARIES, headers=VOCABULARIES_CACHE)


def _if_none_match(call: Call) -> set:
    return {tag.strip() for tag in (call.headers.get("If-None-Match", "") if call.headers else "").split(",")}


def root(call: Call):
    web = config.web_url()
    accept = parse_accept_header(call.headers.get("Accept") if call.headers else None, MIMEAccept)
    if accept.best_match(("application/json", "text/html")) == "text/html":
        return Response(status=303, headers={"Location": web})  # a browser: to the pages
    return {"web": web, "docs": "/docs", "openapi": "/openapi.json"}


def health(call: Call):
    return {"service": "gateway", "healthy": True}


def openapi_document(call: Call):
    return call.gateway.openapi


def reference_page(call: Call):
    return Response(render_docs(call.gateway.openapi), content_type="text/html; charset=utf-8")


ROUTES = people.PERSON_ROUTES + [
    Route("POST", "/peer-workers", "recordPeerWorkerProfile", "Record a peer worker's profile", "peer workers",
          record_peer_worker_profile, INTAKE["record_peer_worker_profile"], body=schemas.PeerWorkerProfileInput,
          response=schemas.PeerWorkerProfileRecorded, status=201,
          description="A peer worker records their own profile; an agency admin records one for their "
                      "organization. Items shared for matching reach matching within a second."),
    Route("GET", "/peer-workers/<peer_worker_id>", "readPeerWorker", "Read a peer worker's profile",
          "peer workers", read_peer_worker, INTAKE["peer_worker_profile"], path_schema=people.PeerWorkerPath,
          response=schemas.PeerWorkerProfile,
          description="The profile as intake holds it: display name, lived-experience items with their "
                      "visibility, availability (places, times, ways of meeting, languages, regions, remote, "
                      "paused). A peer worker reads their own; an agency admin their organization's, without "
                      "the items kept private."),
    Route("POST", "/peer-workers/<peer_worker_id>/shared-experiences", "shareExperience",
          "Share a lived experience item", "peer workers", share_experience, INTAKE["share_experience"],
          path_schema=people.PeerWorkerPath, body=schemas.SharedExperienceInput, response=schemas.SharedExperience,
          description="Sets how far one item is shared: private, for matching, or with the network."),
    Route("POST", "/peer-workers/<peer_worker_id>/experience-withdrawals", "withdrawExperience",
          "Withdraw a shared lived experience item", "peer workers", withdraw_experience, INTAKE["withdraw_experience"],
          path_schema=people.PeerWorkerPath, body=schemas.ExperienceWithdrawalInput,
          response=schemas.ExperienceWithdrawal,
          description="The item is kept private from now on; matching stops using it."),
    Route("GET", "/candidates/<peer_worker_id>", "readCandidate", "Read a peer worker as matching sees them",
          "matching", read_candidate, MATCHING["candidate"], path_schema=people.PeerWorkerPath,
          response=schemas.Candidate,
          description="Only the items the peer worker shared for matching. A peer worker reads only their own; "
                      "an agency admin only their organization's."),
    Route("POST", "/organizations", "registerOrganization", "Register an organization", "organizations",
          register_organization, DIRECTORY["register_organization"], body=schemas.OrganizationInput,
          response=schemas.OrganizationRegistered, status=201, creates="organization_id"),
] + people.OTHER_ROUTES + peer_invitations.ROUTES + directory.ROUTES + workforce.ROUTES + agreements.ROUTES \
    + duty_checks.ROUTES + supervision.ROUTES + audit.ROUTES + notifications.ROUTES + [
    Route("GET", "/me", "readMe", "Who am I", "operations", read_me, SIGNED_IN, response=schemas.Me,
          description="The caller as the gateway verified their token: their peernet id, role and "
                      "organization."),
    Route("GET", "/services", "listServices", "List the network's services", "operations", list_services,
          SIGNED_IN, query_schema=schemas.PageQuery, response=schemas.ServicePage),
    Route("GET", "/services/<service>/positions", "readPositions", "Read a service's log positions",
          "operations", read_positions, ("state_auditor",), path_schema=ServicePath, response=schemas.Positions,
          description="Its last stored position and how far it has applied each upstream service."),
    Route("GET", "/services/<service>/integration-events", "listIntegrationEvents",
          "List a service's published events", "operations", list_integration_events, ("state_auditor",),
          path_schema=ServicePath, query_schema=schemas.IntegrationEventQuery,
          response=schemas.IntegrationEventPage,
          description="The audit trail as published on the bus: who did what, when. Personal fields "
                      "are sealed."),
    Route("GET", "/vocabularies", "readVocabularies", "What the pages offer in lists", "operations",
          read_vocabularies, None, response=schemas.Vocabularies,
          description="Lived experiences, languages (BCP 47 codes), ways of meeting and the state's regions, "
                      "each with English and Spanish labels, as data. Public and cacheable (ETag, "
                      "Cache-Control)."),
    Route("GET", "/", "root", "Where things are", "operations", root, None, response=schemas.Root,
          description="The web pages', the reference's and the OpenAPI document's addresses; a browser "
                      "(Accept preferring text/html) is sent to the web pages with 303."),
    Route("GET", "/health", "health", "Is the gateway up", "operations", health, None, response=schemas.Health),
    Route("GET", "/openapi.json", "openapi", "This API's OpenAPI 3.1 document", "operations",
          openapi_document, None),
    Route("GET", "/docs", "docs", "This API's reference page", "operations", reference_page, None,
          content_type="text/html"),
]
