"""moto_server with the three CloudWatch Logs query-definition operations moto does not have.

moto (5.2.x) answers PutQueryDefinition / DescribeQueryDefinitions / DeleteQueryDefinition with an
HTML 500, so saved Logs Insights queries could not be tested end to end. This adds them to moto's
own Logs responder, following the CloudWatch Logs API reference: definitions live per account and
region (in the same backend moto resets), PutQueryDefinition creates with a new id or overwrites
the one named by queryDefinitionId (ResourceNotFoundException if it does not exist) and answers
a repeated clientToken (the SDK's idempotency token) with the first call's id,
DescribeQueryDefinitions filters by name prefix and pages with maxResults/nextToken,
DeleteQueryDefinition answers success or ResourceNotFoundException.

It also makes DescribeTransitGatewayAttachments report each attachment's `Association` as the
route table it is associated with. moto 5.2.x always reports the TGW's default route table there,
whatever AssociateTransitGatewayRouteTable / DisassociateTransitGatewayRouteTable did; the API
reference describes `Association` as the attachment's current association (route table id and
state), absent when it has none. The association is recorded where moto records the table's side
(so GetTransitGatewayRouteTableAssociations and the attachment agree), per side: moto keeps one
object for both sides of a peering, so DescribeTransitGatewayAttachments answers with each side's
view of it (its own association; on the accepter side its own TGW as TransitGatewayId and the
requester's as ResourceId, as AWS shows it there). A deleted attachment has no association.

SearchTransitGatewayRoutes: moto stores a static route's target as one object where the API
reference has a list (`TransitGatewayAttachments`: resource id, resource type, attachment id), so
moto's answer had an empty list and no route showed what it routes to. The answer carries the
list, as on AWS. CreateTransitGatewayVpcAttachment: moto reads its TagSpecifications under the
route table's resource type, so an attachment created with tags had none; they are read under
`transit-gateway-attachment`, as the API reference has it.

Global Accelerator, which moto lacks entirely, comes from moto_ga.py next to this file (see there);
cross-region CreateDBInstanceReadReplica as AWS does it, from moto_rds.py; DynamoDB writes as
atomic steps, from moto_dynamodb.py; moto_dispatch.py
keeps what moto_server recomputes on every request, moto_ec2_tags.py reads an EC2 resource's
tags by its id instead of scanning every tag of the Region, and moto_cloudwatch_reads.py finds a
GetMetricData query's datapoints once instead of once per period; moto_keepalive.py keeps a
connection open for the next call instead of closing it after each, and moto_serialize.py finds each
answer member's attribute names once per shape and writes XML answers directly (their speed, not
their answers).
Everything else is moto's.
"""

import json
import sys
import time
import uuid

from moto.core.responses import ActionResult
from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachment, TransitGatewayAttachmentBackend
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment as TransitGatewayAttachmentResponse
from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.responses import LogsResponse
from moto.server import main
from moto.utilities.utils import filter_resources

import moto_cloudwatch_reads
import moto_dispatch
import moto_dynamodb
import moto_ec2_tags
import moto_ga
import moto_keepalive
import moto_rds
import moto_serialize

MAX_QUERY_LENGTH = 10000
MAX_NAME_LENGTH = 255


def _store(backend):
    # An attribute of the backend, so /moto-api/reset (which rebuilds backends) clears it too.
    if not hasattr(backend, "ext_query_definitions"):
        backend.ext_query_definitions = {}
        backend.ext_query_definition_tokens = {}
    return backend.ext_query_definitions


def put_query_definition(self):
    name = self._get_param("name")
    query = self._get_param("queryString")
    groups = self._get_param("logGroupNames") or []
    wanted_id = self._get_param("queryDefinitionId")
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidParameterException(constraint=f"Member must have length between 1 and {MAX_NAME_LENGTH}", parameter="name", value=name)
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise InvalidParameterException(constraint=f"Member must have length between 1 and {MAX_QUERY_LENGTH}", parameter="queryString", value=query)
    store = _store(self.logs_backend)
    token = self._get_param("clientToken")
    tokens = self.logs_backend.ext_query_definition_tokens
    if token and token in tokens:
        return json.dumps({"queryDefinitionId": tokens[token]})
    if wanted_id and wanted_id not in store:
        raise ResourceNotFoundException(f"Query definition {wanted_id} does not exist.")
    qid = wanted_id or str(uuid.uuid4())
    store[qid] = {
        "queryDefinitionId": qid,
        "name": name,
        "queryString": query,
        "logGroupNames": list(groups),
        "lastModified": int(time.time() * 1000),
    }
    if token:
        tokens[token] = qid
    return json.dumps({"queryDefinitionId": qid})


def describe_query_definitions(self):
    prefix = self._get_param("queryDefinitionNamePrefix") or ""
    limit = int(self._get_param("maxResults") or 1000)
    start = int(self._get_param("nextToken") or 0)
    matching = sorted((d for d in _store(self.logs_backend).values() if d["name"].startswith(prefix)), key=lambda d: (d["name"], d["queryDefinitionId"]))
    page = matching[start : start + limit]
    out = {"queryDefinitions": page}
    if start + limit < len(matching):
        out["nextToken"] = str(start + limit)
    return json.dumps(out)


def delete_query_definition(self):
    qid = self._get_param("queryDefinitionId")
    store = _store(self.logs_backend)
    if qid not in store:
        raise ResourceNotFoundException(f"Query definition {qid} does not exist.")
    del store[qid]
    return json.dumps({"success": True})


_set_table_association = TransitGatewayRouteTableBackend.set_route_table_association
_unset_table_association = TransitGatewayRouteTableBackend.unset_route_table_association


def _side(backend):
    return (backend.account_id, backend.region_name)


def _associations(attachment):
    # Per side: moto keeps one object for both sides of a peering, each side associates its own.
    if not hasattr(attachment, "ext_associations"):
        attachment.ext_associations = {}
    return attachment.ext_associations


def set_route_table_association(self, transit_gateway_attachment_id, transit_gateway_route_table_id):
    _set_table_association(self, transit_gateway_attachment_id, transit_gateway_route_table_id)
    _associations(self.transit_gateway_attachments[transit_gateway_attachment_id])[_side(self)] = transit_gateway_route_table_id


def unset_route_table_association(self, tgw_rt_id, tgw_attach_id):
    _unset_table_association(self, tgw_rt_id, tgw_attach_id)
    attachment = self.transit_gateway_attachments.get(tgw_attach_id)
    if attachment is not None and _associations(attachment).get(_side(self)) == tgw_rt_id:
        del _associations(attachment)[_side(self)]


def _association_on(attachment, side):
    table = _associations(attachment).get(side)
    if not table or attachment.state in ("deleting", "deleted", "failed", "rejected"):
        return None
    return {"State": "associated", "TransitGatewayRouteTableId": table}


class SideView:
    """One side's view of an attachment: its own association, and for the accepter of a peering
    its own TGW as TransitGatewayId (the requester's as ResourceId), as AWS shows it there."""

    def __init__(self, attachment, side):
        self._attachment = attachment
        self._on = side
        info = getattr(attachment, "accepter_tgw_info", None)
        accepter = info is not None and (info["OwnerId"], info["Region"]) == side and side != (attachment.owner_id, attachment.requester_tgw_info["Region"])
        self.transit_gateway_id = info["TransitGatewayId"] if accepter else attachment.transit_gateway_id
        self.resource_id = attachment.transit_gateway_id if accepter else attachment.resource_id

    def __getattr__(self, name):
        return getattr(self._attachment, name)

    @property
    def association(self):
        return _association_on(self._attachment, self._on)


def describe_transit_gateway_attachments(self, transit_gateways_attachment_ids=None, filters=None):
    found = _describe_attachments(self, transit_gateways_attachment_ids=transit_gateways_attachment_ids, filters=None)
    views = [SideView(a, _side(self)) for a in found]
    if filters:
        attr_pairs = (("resource-id", "resource_id"), ("resource-type", "resource_type"), ("transit-gateway-id", "transit_gateway_id"))
        views = filter_resources(views, filters, attr_pairs)
    return views


def attachment_association(self):
    # Outside a side's view (other operations' answers): the creating side's association.
    return _association_on(self, (self.owner_id, self.ec2_backend.region_name))


def create_transit_gateway_vpc_attachment(self):
    tags = self._parse_tag_specification().get("transit-gateway-attachment", {})
    attachment = self.ec2_backend.create_transit_gateway_vpc_attachment(
        transit_gateway_id=self._get_param("TransitGatewayId"),
        tags=tags,
        vpc_id=self._get_param("VpcId"),
        subnet_ids=self._get_param("SubnetIds", []),
        options=self._get_param("Options", {}),
    )
    return ActionResult({"TransitGatewayVpcAttachment": attachment})


_search_routes = TransitGatewayRouteTableBackend.search_transit_gateway_routes


def search_transit_gateway_routes(self, transit_gateway_route_table_id, filters, max_results=None):
    routes = _search_routes(self, transit_gateway_route_table_id, filters, max_results=None)
    out = []
    for r in routes:
        target = r.get("transitGatewayAttachments")
        out.append({**r, "transitGatewayAttachments": [target]} if isinstance(target, dict) else r)
    return out[: int(max_results)] if max_results else out


_describe_attachments = TransitGatewayAttachmentBackend.describe_transit_gateway_attachments
TransitGatewayRouteTableBackend.set_route_table_association = set_route_table_association
TransitGatewayRouteTableBackend.unset_route_table_association = unset_route_table_association
TransitGatewayRouteTableBackend.search_transit_gateway_routes = search_transit_gateway_routes
TransitGatewayAttachmentResponse.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment
TransitGatewayAttachmentBackend.describe_transit_gateway_attachments = describe_transit_gateway_attachments
TransitGatewayAttachment.association = property(attachment_association)

LogsResponse.put_query_definition = put_query_definition
LogsResponse.describe_query_definitions = describe_query_definitions
LogsResponse.delete_query_definition = delete_query_definition

moto_cloudwatch_reads.install()
moto_dispatch.install()
moto_dynamodb.install()
moto_ec2_tags.install()
moto_ga.install()
moto_keepalive.install()
moto_rds.install()
moto_serialize.install()

if __name__ == "__main__":
    main(sys.argv[1:])
