"""The directory as resources: organizations (an admin changes and closes their own), peer
groups (an admin lists and retires their organization's), the networking pool (which a peer
worker joins and leaves) and the HSDS export. Lists page by cursor over directory's own pages
(by key); the filters are directory's own query fields, so the two never drift apart.

Each route's roles come from directory's access table (shared/contracts/commands/directory.py),
which also refuses, before any call, an agency admin naming another organization and a peer
worker naming someone else; directory checks again.
"""
from __future__ import annotations

import hashlib
import json

from marshmallow import Schema, fields
from werkzeug.http import parse_etags
from werkzeug.wrappers import Response

from services.gateway import pagination, schemas
from services.gateway.app import Call, Reply, Route
from services.gateway.people import PeerWorkerPath
from services.gateway.schemas import PageQuery, body_of, page_of
from shared.contracts.commands import directory
from shared.contracts.commands.directory import OPERATIONS as DIRECTORY
from shared.errors import NotAllowed
from shared.peer_role_chart import chart_document


def query_of(service_query, name: str, *without: str) -> type[Schema]:
    """A directory query as HTTP filters: its own fields, with cursor and limit for its page."""
    filters = {key: field for key, field in service_query._declared_fields.items()
               if key not in ("after", "limit", *without)}
    return PageQuery.from_dict(filters, name=name)


OrganizationQuery = query_of(directory.OrganizationQuery, "OrganizationQuery")
GroupQuery = query_of(directory.GroupQuery, "GroupQuery")
PoolQuery = query_of(directory.PoolQuery, "PoolQuery")
HsdsQuery = Schema.from_dict({key: field for key, field in directory.GroupQuery._declared_fields.items()
                              if key not in ("after", "limit")}, name="HsdsQuery")


CHART = chart_document()
CHART_TAG = hashlib.sha256(json.dumps(CHART, sort_keys=True).encode()).hexdigest()[:16]
CHART_CACHE = {"Cache-Control": "public, max-age=3600", "ETag": f'"{CHART_TAG}"'}


PoolMembershipInput = body_of(directory.JoinPool, "peer_worker_id")
OrganizationChangeInput = body_of(directory.UpdateOrganization, "organization_id")
GroupInput = body_of(directory.ListGroup)


class PoolChange(Schema):
    peer_worker_id = fields.UUID(required=True)
    in_pool = fields.Boolean(required=True)


class OrganizationPath(Schema):
    organization_id = fields.UUID(required=True)


class GroupPath(Schema):
    group_id = fields.UUID(required=True)


class GroupListed(Schema):
    group_id = fields.UUID(required=True)


class GroupRetired(Schema):
    group_id = fields.UUID(required=True)
    retired = fields.Boolean(required=True)


class Organization(Schema):
    organization_id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    regions = fields.List(fields.String(), required=True)
    contact = fields.Dict(allow_none=True)
    languages = fields.List(fields.String(), metadata={"description": "BCP 47 codes its peer support is "
                                                                       "offered in"})
    closed = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "send it back with a change"})


class Group(Schema):
    group_id = fields.String(required=True)
    host_organization_id = fields.String(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    facilitator_ids = fields.List(fields.String())
    place = fields.Dict(allow_none=True)
    link = fields.String(allow_none=True)
    schedule = fields.Dict(required=True)
    languages = fields.List(fields.String())
    retired = fields.Boolean(required=True)


class PoolMember(Schema):
    peer_worker_id = fields.String(required=True)
    display_name = fields.String(required=True)
    organization_id = fields.String(required=True)
    region = fields.String(allow_none=True)
    languages = fields.List(fields.String(), required=True)
    specialties = fields.List(fields.String(), required=True)
    credentials = fields.List(fields.String(), required=True, metadata={"description": "held today"})


class HsdsExport(Schema):
    hsds_version = fields.String(required=True)
    organizations = fields.List(fields.Dict(), required=True)
    services = fields.List(fields.Dict(), required=True)
    locations = fields.List(fields.Dict(), required=True)
    service_at_locations = fields.List(fields.Dict(), required=True)
    schedules = fields.List(fields.Dict(), required=True)


def keyset_listing(method: str, query_schema: type[Schema], size: int = 2):
    """A list directory pages itself by key: the cursor carries the last key (`size` texts)."""
    wire_schema = Schema.from_dict({**query_schema._declared_fields, "after": fields.List(fields.String())})

    def handler(call: Call):
        query = wire_schema().dump(pagination.keyset_query(call.query, size))  # plain JSON for the bus
        return pagination.from_keyset_page(call.rpc("directory", method, query))
    handler.__name__ = method
    return handler


def own_organization(call: Call, *organization_ids) -> None:
    """What only an answer shows (an agreement's parties, a worker's employers): an agency admin's is theirs."""
    if call.caller.role == "agency_admin" and call.caller.organization_id not in {str(o) for o in organization_ids}:
        raise NotAllowed("an agency admin acts and reads only for their own organization")


def read_organization(call: Call):
    return call.rpc("directory", "organization", str(call.path["organization_id"]))


def _organization_act(method: str):
    """An admin's act on their own organization; the answer is the organization as it now is."""
    def act(call: Call):
        organization_id = str(call.path["organization_id"])
        call.rpc("directory", method, {**(call.raw_body or {}), "organization_id": organization_id})
        return read_organization(call)
    act.__name__ = method
    return act


def list_group(call: Call):
    return {"group_id": call.rpc("directory", "list_group", call.raw_body)}


def retire_group(call: Call):
    group_id = str(call.path["group_id"])
    call.rpc("directory", "retire_group", {"group_id": group_id})  # directory knows the host and checks it
    return {"group_id": group_id, "retired": True}


def read_peer_role_chart(call: Call):
    """Directory's chart as data shipped with the code, like the vocabularies: no call, cacheable."""
    if call.headers is not None and parse_etags(call.headers.get("If-None-Match")).contains(CHART_TAG):
        return Response(status=304, headers=CHART_CACHE)
    return Reply(CHART, headers=CHART_CACHE)


def export_hsds(call: Call):
    return call.rpc("directory", "export_hsds", HsdsQuery().dump(call.query))


def _pool(method: str, in_pool: bool):
    def change(call: Call):
        peer_worker_id = str(call.path["peer_worker_id"])
        call.rpc("directory", method, {**(call.raw_body or {}), "peer_worker_id": peer_worker_id})
        return {"peer_worker_id": peer_worker_id, "in_pool": in_pool}
    change.__name__ = method
    return change


ROUTES = [
    Route("GET", "/organizations", "listOrganizations", "List organizations", "organizations",
          keyset_listing("list_organizations", OrganizationQuery), DIRECTORY["list_organizations"],
          query_schema=OrganizationQuery,
          response=page_of(Organization, "OrganizationPage")),
    Route("GET", "/organizations/<organization_id>", "readOrganization", "Read an organization", "organizations",
          read_organization, DIRECTORY["organization"], path_schema=OrganizationPath, response=Organization),
    Route("POST", "/organizations/<organization_id>/changes", "updateOrganization", "Change my organization's "
          "name, regions or contact", "organizations", _organization_act("update_organization"),
          DIRECTORY["update_organization"],
          path_schema=OrganizationPath, body=OrganizationChangeInput, response=Organization,
          description="Only the fields sent change. Two open organizations may not share a name in a region."),
    Route("POST", "/organizations/<organization_id>/closures", "closeOrganization", "Close my organization",
          "organizations", _organization_act("close_organization"), DIRECTORY["close_organization"],
          path_schema=OrganizationPath,
          response=Organization, description="It is listed no more unless include_closed is asked for."),
    Route("POST", "/groups", "listGroup", "List a peer group in the directory", "groups", list_group,
          DIRECTORY["list_group"],
          body=GroupInput, response=GroupListed, status=201, creates="group_id",
          description="Hosted by the admin's own organization: where (a place or a link), when, in which "
                      "languages. Found by everyone and exported as HSDS."),
    Route("POST", "/groups/<group_id>/retirements", "retireGroup", "Retire a peer group", "groups", retire_group,
          DIRECTORY["retire_group"], path_schema=GroupPath, response=GroupRetired,
          description="Only its host organization's admin; it is no longer found or exported."),
    Route("GET", "/groups", "findGroups", "Find peer groups", "groups", keyset_listing("find_groups", GroupQuery),
          DIRECTORY["find_groups"], query_schema=GroupQuery, response=page_of(Group, "GroupPage"),
          description="Open groups anyone may join: where, when, in which languages."),
    Route("GET", "/pool-members", "searchPool", "Search the networking pool", "peer workers",
          keyset_listing("search_pool", PoolQuery, size=1), DIRECTORY["search_pool"], query_schema=PoolQuery,
          response=page_of(PoolMember, "PoolMemberPage"),
          description="Peer workers who joined the pool to meet other peers; credentials held today."),
    Route("POST", "/peer-workers/<peer_worker_id>/pool-memberships", "joinPool", "Join the networking pool",
          "peer workers", _pool("join_pool", True), DIRECTORY["join_pool"], path_schema=PeerWorkerPath,
          body=PoolMembershipInput, response=PoolChange,
          description="Each peer worker's own choice, for an organization that employs them."),
    Route("POST", "/peer-workers/<peer_worker_id>/pool-departures", "leavePool", "Leave the networking pool",
          "peer workers", _pool("leave_pool", False), DIRECTORY["leave_pool"], path_schema=PeerWorkerPath,
          response=PoolChange),
    Route("GET", "/peer-role-chart", "readPeerRoleChart", "Read the peer-role chart", "agreements",
          read_peer_role_chart, None, response=schemas.PeerRoleChart,
          description="The handbook's chart \"Is that really part of a 'peer' role?\" that duty lists are checked "
                      "against: its reasons (power imbalance, agenda, busy work) and each duty with its reasons, "
                      "why and the consistent alternative, every text in English and Spanish. Public and "
                      "cacheable (ETag, Cache-Control)."),
    Route("GET", "/hsds-export", "exportHsds", "Export the directory as HSDS", "groups", export_hsds,
          DIRECTORY["export_hsds"], query_schema=HsdsQuery, response=HsdsExport,
          description="Open Referral's Human Services Data Specification 3.0 tables, for 211 and other "
                      "directories: every open organization with its published contact and its peer support "
                      "service (its counties as service areas, its languages), each peer group a service with "
                      "its location and schedule. The filters narrow the services; an organization is in it "
                      "with at least one. Nothing about any person or peer worker."),
]
