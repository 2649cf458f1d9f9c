"""AWS Global Accelerator for moto_server (moto 5.2.x has none: every call was an HTML 500).

Follows the Global Accelerator API reference (JSON 1.1, target prefix GlobalAccelerator_V20180706,
SigV4 service `globalaccelerator`) for the standard-accelerator operations the controller calls:
Create/Describe/List/Update/DeleteAccelerator, Describe/UpdateAcceleratorAttributes, the listener
and endpoint-group equivalents, and Tag/Untag/ListTagsForResource.

What it models:
- The API lives in us-west-2 only (AWS has no endpoint elsewhere): a call signed for any other
  Region is refused with InvalidEndpointException and a message saying so.
- Accelerators per account (the account comes from the caller's keys, as everywhere in moto), ARNs
  in the real format (arn:aws:globalaccelerator::ACCOUNT:accelerator/UUID, …/listener/ID,
  …/listener/ID/endpoint-group/ID), two static IPv4 addresses (plus two IPv6 for DUAL_STACK), a
  DnsName `a<16 hex>.awsglobalaccelerator.com`, the API's defaults (Enabled true, ClientAffinity
  NONE, TrafficDialPercentage 100, HealthCheckProtocol TCP, interval 30, threshold 3, health-check
  port = the listener's first port, weight 128, client IP preservation on for ALBs).
- Status: every change to an accelerator, its attributes, its listeners or their endpoint groups
  makes it IN_PROGRESS; it becomes DEPLOYED after a delay, through moto's state manager (model
  `globalaccelerator::accelerator`, default: time progression of MOTO_GA_DEPLOY_DELAY_SECONDS,
  1 s if unset). Tests change it with moto's own POST /moto-api/state-manager/set-transition.
- IdempotencyToken on the three creates: the same token answers with the resource it made while
  that resource exists (whatever the other parameters); once it is deleted the token is free.
- The documented errors: AcceleratorNotFoundException, ListenerNotFoundException,
  EndpointGroupNotFoundException, AcceleratorNotDisabledException (DeleteAccelerator while it is
  enabled, or while its disable is not yet DEPLOYED, i.e. still IN_PROGRESS),
  AssociatedListenerFoundException, AssociatedEndpointGroupFoundException,
  EndpointGroupAlreadyExistsException (one group per Region and listener), InvalidPortRangeException
  (bad or overlapping ports), InvalidNextTokenException, LimitExceededException (20 accelerators per
  account, 10 listeners per accelerator, 10 endpoints per group) and InvalidArgumentException for
  values outside the documented ranges.
- Paging with MaxResults (1–100, default 10) and NextToken on the three List calls.
- Tags on accelerators only (the API reference tags accelerators; TagResource on a listener or
  endpoint group is refused). UntagResource succeeds for an accelerator that is gone, as documented.
- Endpoint health: HealthState HEALTHY for every endpoint, unless a test marks an endpoint with
  POST /moto-api/ga/endpoint-health {"EndpointId", "HealthState": HEALTHY|UNHEALTHY|INITIAL,
  "HealthReason"?, "AccountId"? (default 123456789012)}; the mark applies wherever that endpoint id
  is used in that account, HEALTHY removes it.
- POST /moto-api/reset clears everything: accelerators, tokens, health marks, and a transition a
  test set for `globalaccelerator::accelerator` (moto keeps other models' transitions over a reset;
  this one goes, so a test that sped deployment up cannot leak into the next).

What it does not model: traffic (nothing is routed; dials and weights are only stored), real health
checks, whether an endpoint (load balancer, EIP, instance) exists — only the id's form and Region,
BYOIP pools (IpAddresses are taken as given), custom routing accelerators, cross-account
attachments, TransactionInProgressException for concurrent changes, flow logs being written or the
S3 bucket being checked, accelerator Events.
"""

import ipaddress
import json
import os
import re
import sys
import threading
import types
import uuid
from datetime import datetime, timezone

import moto.backend_index as backend_index
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse
from moto.moto_api import state_manager
from moto.moto_api._internal import urls as moto_api_urls
from moto.moto_api._internal.managed_state_model import ManagedState
from moto.moto_api._internal.models import MotoAPIBackend

SERVICE = "globalaccelerator"
API_REGION = "us-west-2"
MODEL_NAME = "globalaccelerator::accelerator"
DEPLOY_DELAY_ENV = "MOTO_GA_DEPLOY_DELAY_SECONDS"
DEFAULT_DEPLOY_DELAY_SECONDS = 1.0

MAX_ACCELERATORS = 20
MAX_LISTENERS = 10
MAX_ENDPOINTS = 10
MAX_TAGS = 50
DEFAULT_PAGE = 10
HEALTH_STATES = ("HEALTHY", "UNHEALTHY", "INITIAL")

NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$")
ACCELERATOR_ARN_RE = re.compile(r"^arn:aws[a-z-]*:globalaccelerator::(\d{12}):accelerator/([0-9a-f-]{36})$")
LISTENER_ARN_RE = re.compile(r"^(arn:aws[a-z-]*:globalaccelerator::\d{12}:accelerator/[0-9a-f-]{36})/listener/([0-9a-f]{8})$")
GROUP_ARN_RE = re.compile(r"^((arn:aws[a-z-]*:globalaccelerator::\d{12}:accelerator/[0-9a-f-]{36})/listener/[0-9a-f]{8})/endpoint-group/([0-9a-f]{12})$")
REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
HEALTH_PATH_RE = re.compile(r"^/[-a-zA-Z0-9@:%_\\+.~#?&/=]*$")
LB_ARN_RE = re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:loadbalancer/(app|net)/[^/]+/[0-9a-f]+$")
EIP_RE = re.compile(r"^eipalloc-[0-9a-z]+$")
INSTANCE_RE = re.compile(r"^i-[0-9a-z]+$")

_lock = threading.RLock()


def _now():
    return datetime.now(timezone.utc)


def _epoch(t):
    return t.timestamp()


class GaError(JsonRESTError):
    code = 400

    def __init__(self, error_type, message):
        super().__init__(error_type, message)


def invalid(message):
    return GaError("InvalidArgumentException", message)


def _int(params, key, low, high, default=None):
    value = params.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or not low <= value <= high:
        raise invalid(f"{key} must be a whole number from {low} to {high}, got {value!r}")
    return int(value)


def _enum(params, key, allowed, default=None):
    value = params.get(key, default)
    if value is not None and value not in allowed:
        raise invalid(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _bool(params, key, default=None):
    value = params.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"{key} must be true or false, got {value!r}")
    return value


def _required(params, key):
    value = params.get(key)
    if value is None or value == "":
        raise invalid(f"{key} is required")
    return value


class Accelerator(ManagedState):
    def __init__(self, account_id, name, ip_address_type, enabled, ip_sets, dns_name, tags):
        super().__init__(MODEL_NAME, [("IN_PROGRESS", "DEPLOYED")])
        self.arn = f"arn:aws:globalaccelerator::{account_id}:accelerator/{uuid.uuid4()}"
        self.name = name
        self.ip_address_type = ip_address_type
        self.enabled = enabled
        self.ip_sets = ip_sets
        self.dns_name = dns_name
        self.created = _now()
        self.last_modified = self.created
        self.tags = dict(tags)
        self.attributes = {"FlowLogsEnabled": False}
        self.listeners = {}

    def changed(self):
        """Any change deploys again: IN_PROGRESS until the transition's delay has passed."""
        self.status = "IN_PROGRESS"
        self._time_progressed = datetime.now()
        self.last_modified = _now()

    def to_dict(self):
        out = {
            "AcceleratorArn": self.arn,
            "Name": self.name,
            "IpAddressType": self.ip_address_type,
            "Enabled": self.enabled,
            "IpSets": [{"IpFamily": s["family"], "IpAddressFamily": s["family"], "IpAddresses": list(s["addresses"])} for s in self.ip_sets],
            "DnsName": self.dns_name,
            "Status": self.status,
            "CreatedTime": _epoch(self.created),
            "LastModifiedTime": _epoch(self.last_modified),
        }
        if self.ip_address_type == "DUAL_STACK":
            out["DualStackDnsName"] = self.dns_name.replace(".awsglobalaccelerator.com", ".dualstack.awsglobalaccelerator.com")
        return out


class Listener:
    def __init__(self, accelerator, port_ranges, protocol, client_affinity):
        self.accelerator = accelerator
        self.arn = f"{accelerator.arn}/listener/{uuid.uuid4().hex[:8]}"
        self.port_ranges = port_ranges
        self.protocol = protocol
        self.client_affinity = client_affinity
        self.groups = {}

    def to_dict(self):
        return {
            "ListenerArn": self.arn,
            "PortRanges": [dict(r) for r in self.port_ranges],
            "Protocol": self.protocol,
            "ClientAffinity": self.client_affinity,
        }


class EndpointGroup:
    def __init__(self, listener, region):
        self.listener = listener
        self.arn = f"{listener.arn}/endpoint-group/{uuid.uuid4().hex[:12]}"
        self.region = region
        self.endpoints = []
        self.dial = 100.0
        self.health_check_port = listener.port_ranges[0]["FromPort"]
        self.health_check_protocol = "TCP"
        self.health_check_path = None
        self.interval = 30
        self.threshold = 3
        self.port_overrides = []

    def to_dict(self, marks):
        out = {
            "EndpointGroupArn": self.arn,
            "EndpointGroupRegion": self.region,
            "EndpointDescriptions": [self._describe(e, marks) for e in self.endpoints],
            "TrafficDialPercentage": self.dial,
            "HealthCheckPort": self.health_check_port,
            "HealthCheckProtocol": self.health_check_protocol,
            "HealthCheckIntervalSeconds": self.interval,
            "ThresholdCount": self.threshold,
            "PortOverrides": [dict(p) for p in self.port_overrides],
        }
        if self.health_check_protocol in ("HTTP", "HTTPS"):
            out["HealthCheckPath"] = self.health_check_path or "/"
        return out

    @staticmethod
    def _describe(endpoint, marks):
        state, reason = marks.get(endpoint["EndpointId"], ("HEALTHY", None))
        out = dict(endpoint, HealthState=state)
        if reason:
            out["HealthReason"] = reason
        return out


class GlobalAcceleratorBackend(BaseBackend):
    def __init__(self, region_name, account_id):
        super().__init__(region_name, account_id)
        self.accelerators = {}
        self.tokens = {}
        self.health_marks = {}
        self.next_ip = 0

    @property
    def _url_module(self):
        # moto derives `<package>.urls` from the backend's module; this one is not a moto package.
        return types.SimpleNamespace(url_bases=[r"https?://globalaccelerator\.(.+)\.amazonaws\.com"], url_paths={"{0}/$": GlobalAcceleratorResponse.dispatch})

    # --- lookups -------------------------------------------------------------------------------

    def accelerator(self, arn):
        if not isinstance(arn, str) or not ACCELERATOR_ARN_RE.match(arn):
            raise invalid(f"AcceleratorArn {arn!r} is not an accelerator ARN (arn:aws:globalaccelerator::ACCOUNT:accelerator/ID)")
        acc = self.accelerators.get(arn)
        if acc is None:
            raise GaError("AcceleratorNotFoundException", f"Accelerator {arn} was not found")
        return acc

    def listener(self, arn):
        m = LISTENER_ARN_RE.match(arn) if isinstance(arn, str) else None
        if not m:
            raise invalid(f"ListenerArn {arn!r} is not a listener ARN (…:accelerator/ID/listener/ID)")
        acc = self.accelerators.get(m.group(1))
        found = acc.listeners.get(arn) if acc else None
        if found is None:
            raise GaError("ListenerNotFoundException", f"Listener {arn} was not found")
        return found

    def endpoint_group(self, arn):
        m = GROUP_ARN_RE.match(arn) if isinstance(arn, str) else None
        if not m:
            raise invalid(f"EndpointGroupArn {arn!r} is not an endpoint group ARN (…/listener/ID/endpoint-group/ID)")
        acc = self.accelerators.get(m.group(2))
        listener = acc.listeners.get(m.group(1)) if acc else None
        found = listener.groups.get(arn) if listener else None
        if found is None:
            raise GaError("EndpointGroupNotFoundException", f"Endpoint group {arn} was not found")
        return found

    def _by_token(self, kind, token):
        arn = self.tokens.get((kind, token))
        if arn is None:
            return None
        try:
            return {"accelerator": self.accelerator, "listener": self.listener, "group": self.endpoint_group}[kind](arn)
        except GaError:
            del self.tokens[(kind, token)]
            return None

    # --- accelerators --------------------------------------------------------------------------

    def create_accelerator(self, p):
        token = _required(p, "IdempotencyToken")
        found = self._by_token("accelerator", token)
        if found:
            return found
        name = _name(p)
        ip_type = _enum(p, "IpAddressType", ("IPV4", "DUAL_STACK"), "IPV4")
        enabled = _bool(p, "Enabled", True)
        tags = _tags(p.get("Tags") or [])
        if len(self.accelerators) >= MAX_ACCELERATORS:
            raise GaError("LimitExceededException", f"An account can have at most {MAX_ACCELERATORS} standard accelerators")
        acc = Accelerator(self.account_id, name, ip_type, enabled, self._ip_sets(ip_type, p.get("IpAddresses")), _dns_name(), tags)
        self.accelerators[acc.arn] = acc
        self.tokens[("accelerator", token)] = acc.arn
        return acc

    def _ip_sets(self, ip_type, byoip):
        wanted = list(byoip or [])
        if len(wanted) > 2:
            raise invalid("IpAddresses takes at most two addresses")
        for a in wanted:
            try:
                ipaddress.IPv4Address(a)
            except ValueError:
                raise invalid(f"IpAddresses: {a!r} is not an IPv4 address") from None
        n = self.next_ip
        self.next_ip += 1
        v4 = wanted + [f"192.0.2.{n % 254 + 1}", f"198.51.100.{n % 254 + 1}"][len(wanted) :]
        sets = [{"family": "IPv4", "addresses": v4}]
        if ip_type == "DUAL_STACK":
            sets.append({"family": "IPv6", "addresses": [f"2001:db8:{n:x}::1", f"2001:db8:{n:x}::2"]})
        return sets

    def list_accelerators(self, p):
        return _page(list(self.accelerators.values()), p)

    def update_accelerator(self, p):
        acc = self.accelerator(p.get("AcceleratorArn"))
        before = (acc.name, acc.ip_address_type, acc.enabled)
        if p.get("Name") is not None:
            acc.name = _name(p)
        ip_type = _enum(p, "IpAddressType", ("IPV4", "DUAL_STACK"))
        if ip_type and ip_type != acc.ip_address_type:
            acc.ip_address_type = ip_type
            acc.ip_sets = acc.ip_sets[:1] + (self._ip_sets("DUAL_STACK", acc.ip_sets[0]["addresses"])[1:] if ip_type == "DUAL_STACK" else [])
        enabled = _bool(p, "Enabled")
        if enabled is not None:
            acc.enabled = enabled
        if (acc.name, acc.ip_address_type, acc.enabled) != before:
            acc.changed()
        return acc

    def update_attributes(self, p):
        acc = self.accelerator(p.get("AcceleratorArn"))
        enabled = _bool(p, "FlowLogsEnabled")
        attrs = dict(acc.attributes)
        for key in ("FlowLogsS3Bucket", "FlowLogsS3Prefix"):
            if p.get(key) is not None:
                attrs[key] = p[key]
        if enabled is not None:
            attrs["FlowLogsEnabled"] = enabled
        if attrs["FlowLogsEnabled"] and not (attrs.get("FlowLogsS3Bucket") and attrs.get("FlowLogsS3Prefix")):
            raise invalid("FlowLogsS3Bucket and FlowLogsS3Prefix must be specified when FlowLogsEnabled is true")
        if attrs != acc.attributes:
            acc.attributes = attrs
            acc.changed()
        return acc

    def delete_accelerator(self, p):
        acc = self.accelerator(p.get("AcceleratorArn"))
        if acc.enabled:
            raise GaError("AcceleratorNotDisabledException", f"Accelerator {acc.arn} is enabled: disable it (UpdateAccelerator Enabled=false) before deleting it")
        if acc.status != "DEPLOYED":
            raise GaError("AcceleratorNotDisabledException", f"Accelerator {acc.arn} is still IN_PROGRESS: it can be deleted once its disable is DEPLOYED")
        if acc.listeners:
            raise GaError("AssociatedListenerFoundException", f"Accelerator {acc.arn} has listeners: delete them first")
        del self.accelerators[acc.arn]

    # --- listeners -----------------------------------------------------------------------------

    def create_listener(self, p):
        token = _required(p, "IdempotencyToken")
        found = self._by_token("listener", token)
        if found:
            return found
        acc = self.accelerator(p.get("AcceleratorArn"))
        protocol = _enum(p, "Protocol", ("TCP", "UDP"))
        if protocol is None:
            raise invalid("Protocol is required")
        ranges = _port_ranges(p.get("PortRanges"))
        affinity = _enum(p, "ClientAffinity", ("NONE", "SOURCE_IP"), "NONE")
        if len(acc.listeners) >= MAX_LISTENERS:
            raise GaError("LimitExceededException", f"An accelerator can have at most {MAX_LISTENERS} listeners")
        _check_overlap(acc, None, protocol, ranges)
        listener = Listener(acc, ranges, protocol, affinity)
        acc.listeners[listener.arn] = listener
        self.tokens[("listener", token)] = listener.arn
        acc.changed()
        return listener

    def list_listeners(self, p):
        acc = self.accelerator(p.get("AcceleratorArn"))
        return _page(list(acc.listeners.values()), p)

    def update_listener(self, p):
        listener = self.listener(p.get("ListenerArn"))
        protocol = _enum(p, "Protocol", ("TCP", "UDP")) or listener.protocol
        ranges = _port_ranges(p["PortRanges"]) if p.get("PortRanges") is not None else listener.port_ranges
        affinity = _enum(p, "ClientAffinity", ("NONE", "SOURCE_IP")) or listener.client_affinity
        _check_overlap(listener.accelerator, listener, protocol, ranges)
        for g in listener.groups.values():
            for o in g.port_overrides:
                if not _in_ranges(o["ListenerPort"], ranges):
                    raise GaError("InvalidPortRangeException", f"Endpoint group {g.arn} overrides listener port {o['ListenerPort']}, which the new port ranges leave out")
        if (protocol, ranges, affinity) != (listener.protocol, listener.port_ranges, listener.client_affinity):
            listener.protocol, listener.port_ranges, listener.client_affinity = protocol, ranges, affinity
            listener.accelerator.changed()
        return listener

    def delete_listener(self, p):
        listener = self.listener(p.get("ListenerArn"))
        if listener.groups:
            raise GaError("AssociatedEndpointGroupFoundException", f"Listener {listener.arn} has endpoint groups: delete them first")
        del listener.accelerator.listeners[listener.arn]
        listener.accelerator.changed()

    # --- endpoint groups -----------------------------------------------------------------------

    def create_endpoint_group(self, p):
        token = _required(p, "IdempotencyToken")
        found = self._by_token("group", token)
        if found:
            return found
        listener = self.listener(p.get("ListenerArn"))
        region = _required(p, "EndpointGroupRegion")
        if not isinstance(region, str) or not REGION_RE.match(region):
            raise invalid(f"EndpointGroupRegion {region!r} is not an AWS Region")
        if any(g.region == region for g in listener.groups.values()):
            raise GaError("EndpointGroupAlreadyExistsException", f"Listener {listener.arn} already has an endpoint group in {region}")
        group = EndpointGroup(listener, region)
        _configure_group(group, p)
        listener.groups[group.arn] = group
        self.tokens[("group", token)] = group.arn
        listener.accelerator.changed()
        return group

    def list_endpoint_groups(self, p):
        listener = self.listener(p.get("ListenerArn"))
        return _page(list(listener.groups.values()), p)

    def update_endpoint_group(self, p):
        group = self.endpoint_group(p.get("EndpointGroupArn"))
        before = group.to_dict({})
        _configure_group(group, p)
        if group.to_dict({}) != before:
            group.listener.accelerator.changed()
        return group

    def delete_endpoint_group(self, p):
        group = self.endpoint_group(p.get("EndpointGroupArn"))
        del group.listener.groups[group.arn]
        group.listener.accelerator.changed()

    # --- tags ----------------------------------------------------------------------------------

    def tagged(self, arn):
        """Only accelerators carry tags; a listener or endpoint group ARN is looked up (for its not-found error) and has none."""
        if isinstance(arn, str) and GROUP_ARN_RE.match(arn):
            self.endpoint_group(arn)
            return None
        if isinstance(arn, str) and LISTENER_ARN_RE.match(arn):
            self.listener(arn)
            return None
        return self.accelerator(arn)

    def tag_resource(self, p):
        acc = self.tagged(_required(p, "ResourceArn"))
        if acc is None:
            raise invalid("Only accelerators can be tagged; listeners and endpoint groups carry no tags")
        merged = dict(acc.tags, **_tags(_required(p, "Tags")))
        if len(merged) > MAX_TAGS:
            raise invalid(f"A resource can have at most {MAX_TAGS} tags")
        acc.tags = merged

    def untag_resource(self, p):
        arn = _required(p, "ResourceArn")
        keys = p.get("TagKeys")
        if not isinstance(keys, list):
            raise invalid("TagKeys must be a list")
        acc = self.accelerators.get(arn)
        # Documented: succeeds even when the accelerator is already gone.
        if acc is not None:
            for k in keys:
                acc.tags.pop(k, None)

    # --- test hook -----------------------------------------------------------------------------

    def mark_health(self, endpoint_id, state, reason):
        if state == "HEALTHY":
            self.health_marks.pop(endpoint_id, None)
        else:
            self.health_marks[endpoint_id] = (state, reason or ("Health checks failed" if state == "UNHEALTHY" else None))


def _name(p):
    name = _required(p, "Name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise invalid(
            f"Name {name!r}: at most 64 characters, only letters, digits, periods (.) and hyphens (-), not beginning or ending with a hyphen or period"
        )
    return name


def _dns_name():
    return f"a{uuid.uuid4().hex[:16]}.awsglobalaccelerator.com"


def _tags(tags):
    if not isinstance(tags, list):
        raise invalid("Tags must be a list of {Key, Value}")
    out = {}
    for t in tags:
        key, value = (t or {}).get("Key"), (t or {}).get("Value")
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise invalid(f"Tag key {key!r}: 1 to 128 characters, not starting with aws:")
        if not isinstance(value, str) or len(value) > 256:
            raise invalid(f"Tag value for {key}: at most 256 characters")
        out[key] = value
    if len(out) > MAX_TAGS:
        raise invalid(f"A resource can have at most {MAX_TAGS} tags")
    return out


def _page(items, p):
    limit = _int(p, "MaxResults", 1, 100, DEFAULT_PAGE)
    token = p.get("NextToken")
    start = 0
    if token is not None:
        if not isinstance(token, str) or not token.isdigit() or int(token) > len(items):
            raise GaError("InvalidNextTokenException", f"NextToken {token!r} is not one this API returned")
        start = int(token)
    page = items[start : start + limit]
    nxt = str(start + limit) if start + limit < len(items) else None
    return page, nxt


def _port_ranges(ranges):
    if not isinstance(ranges, list) or not 1 <= len(ranges) <= 10:
        raise invalid("PortRanges must list 1 to 10 port ranges")
    out = []
    for r in ranges:
        lo, hi = (r or {}).get("FromPort"), (r or {}).get("ToPort")
        if not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535 for v in (lo, hi)) or lo > hi:
            raise GaError("InvalidPortRangeException", f"Port range {lo}-{hi}: FromPort and ToPort must be 1 to 65535, FromPort not above ToPort")
        out.append({"FromPort": lo, "ToPort": hi})
    for i, a in enumerate(out):
        for b in out[i + 1 :]:
            if a["FromPort"] <= b["ToPort"] and b["FromPort"] <= a["ToPort"]:
                raise GaError("InvalidPortRangeException", f"Port ranges {a['FromPort']}-{a['ToPort']} and {b['FromPort']}-{b['ToPort']} overlap")
    return out


def _check_overlap(acc, this, protocol, ranges):
    for other in acc.listeners.values():
        if other is this or other.protocol != protocol:
            continue
        for a in ranges:
            for b in other.port_ranges:
                if a["FromPort"] <= b["ToPort"] and b["FromPort"] <= a["ToPort"]:
                    raise GaError(
                        "InvalidPortRangeException", f"Ports {a['FromPort']}-{a['ToPort']} are already used by {protocol} listener {other.arn} of this accelerator"
                    )


def _in_ranges(port, ranges):
    return any(r["FromPort"] <= port <= r["ToPort"] for r in ranges)


def _endpoint(e, region):
    eid = (e or {}).get("EndpointId")
    if not isinstance(eid, str) or not eid:
        raise invalid("EndpointConfigurations: every endpoint needs an EndpointId")
    lb = LB_ARN_RE.match(eid)
    if lb and lb.group(1) != region:
        raise invalid(f"Endpoint {eid} is in {lb.group(1)}, not in the endpoint group's Region {region}")
    if not (lb or EIP_RE.match(eid) or INSTANCE_RE.match(eid)):
        raise invalid(f"EndpointId {eid!r} is not a load balancer ARN, an Elastic IP allocation id or an EC2 instance id")
    weight = _int(e, "Weight", 0, 255, 128)
    preserve = _bool(e, "ClientIPPreservationEnabled", bool(lb and lb.group(2) == "app"))
    if preserve and EIP_RE.match(eid):
        raise invalid(f"Client IP address preservation is not supported for Elastic IP address endpoints ({eid})")
    return {"EndpointId": eid, "Weight": weight, "ClientIPPreservationEnabled": preserve}


def _configure_group(group, p):
    """Create and update alike: what is given replaces what was there, what is left out stays."""
    if p.get("EndpointConfigurations") is not None:
        confs = p["EndpointConfigurations"]
        if not isinstance(confs, list) or len(confs) > MAX_ENDPOINTS:
            raise GaError("LimitExceededException", f"An endpoint group can have at most {MAX_ENDPOINTS} endpoints")
        endpoints = [_endpoint(e, group.region) for e in confs]
        ids = [e["EndpointId"] for e in endpoints]
        if len(set(ids)) != len(ids):
            raise invalid("EndpointConfigurations lists an endpoint twice")
        group.endpoints = endpoints
    dial = p.get("TrafficDialPercentage")
    if dial is not None:
        if isinstance(dial, bool) or not isinstance(dial, (int, float)) or not 0 <= dial <= 100:
            raise invalid(f"TrafficDialPercentage must be from 0 to 100, got {dial!r}")
        group.dial = float(dial)
    group.health_check_port = _int(p, "HealthCheckPort", 1, 65535, group.health_check_port)
    group.health_check_protocol = _enum(p, "HealthCheckProtocol", ("TCP", "HTTP", "HTTPS"), group.health_check_protocol)
    path = p.get("HealthCheckPath")
    if path is not None:
        if not isinstance(path, str) or len(path) > 255 or not HEALTH_PATH_RE.match(path):
            raise invalid(f"HealthCheckPath {path!r} must start with / and use only URL path characters")
        group.health_check_path = path
    interval = _int(p, "HealthCheckIntervalSeconds", 10, 30, group.interval)
    if interval not in (10, 30):
        raise invalid(f"HealthCheckIntervalSeconds must be 10 or 30, got {interval}")
    group.interval = interval
    group.threshold = _int(p, "ThresholdCount", 1, 10, group.threshold)
    if p.get("PortOverrides") is not None:
        overrides = p["PortOverrides"]
        if not isinstance(overrides, list) or len(overrides) > 10:
            raise invalid("PortOverrides takes at most 10 overrides")
        out = []
        for o in overrides:
            lp = _int(o or {}, "ListenerPort", 1, 65535)
            ep = _int(o or {}, "EndpointPort", 1, 65535)
            if lp is None or ep is None:
                raise invalid("Every port override needs ListenerPort and EndpointPort")
            if not _in_ranges(lp, group.listener.port_ranges):
                raise invalid(f"Port override: listener port {lp} is not in the listener's port ranges")
            if any(x["ListenerPort"] == lp for x in out):
                raise invalid(f"Port override: listener port {lp} is overridden twice")
            out.append({"ListenerPort": lp, "EndpointPort": ep})
        group.port_overrides = out


globalaccelerator_backends = BackendDict(GlobalAcceleratorBackend, SERVICE)


class GlobalAcceleratorResponse(BaseResponse):
    def __init__(self):
        super().__init__(service_name=SERVICE)

    def _params(self):
        try:
            body = json.loads(self.body or "{}")
        except ValueError:
            raise invalid("The request body is not JSON") from None
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object")
        return body

    def _call(self, fn):
        """Every operation: refuse Regions other than us-west-2, then run under the one lock."""
        if self.region != API_REGION:
            raise GaError(
                "InvalidEndpointException",
                f"Global Accelerator's API is only in {API_REGION}; this call was signed for {self.region}, where AWS has no Global Accelerator endpoint",
            )
        with _lock:
            return json.dumps(fn(globalaccelerator_backends[self.current_account][API_REGION], self._params()))

    def create_accelerator(self):
        return self._call(lambda b, p: {"Accelerator": b.create_accelerator(p).to_dict()})

    def describe_accelerator(self):
        return self._call(lambda b, p: {"Accelerator": b.accelerator(p.get("AcceleratorArn")).to_dict()})

    def list_accelerators(self):
        def run(b, p):
            page, nxt = b.list_accelerators(p)
            return _with_token({"Accelerators": [a.to_dict() for a in page]}, nxt)

        return self._call(run)

    def update_accelerator(self):
        return self._call(lambda b, p: {"Accelerator": b.update_accelerator(p).to_dict()})

    def describe_accelerator_attributes(self):
        return self._call(lambda b, p: {"AcceleratorAttributes": dict(b.accelerator(p.get("AcceleratorArn")).attributes)})

    def update_accelerator_attributes(self):
        return self._call(lambda b, p: {"AcceleratorAttributes": dict(b.update_attributes(p).attributes)})

    def delete_accelerator(self):
        return self._call(lambda b, p: b.delete_accelerator(p) or {})

    def create_listener(self):
        return self._call(lambda b, p: {"Listener": b.create_listener(p).to_dict()})

    def describe_listener(self):
        return self._call(lambda b, p: {"Listener": b.listener(p.get("ListenerArn")).to_dict()})

    def list_listeners(self):
        def run(b, p):
            page, nxt = b.list_listeners(p)
            return _with_token({"Listeners": [x.to_dict() for x in page]}, nxt)

        return self._call(run)

    def update_listener(self):
        return self._call(lambda b, p: {"Listener": b.update_listener(p).to_dict()})

    def delete_listener(self):
        return self._call(lambda b, p: b.delete_listener(p) or {})

    def create_endpoint_group(self):
        return self._call(lambda b, p: {"EndpointGroup": b.create_endpoint_group(p).to_dict(b.health_marks)})

    def describe_endpoint_group(self):
        return self._call(lambda b, p: {"EndpointGroup": b.endpoint_group(p.get("EndpointGroupArn")).to_dict(b.health_marks)})

    def list_endpoint_groups(self):
        def run(b, p):
            page, nxt = b.list_endpoint_groups(p)
            return _with_token({"EndpointGroups": [g.to_dict(b.health_marks) for g in page]}, nxt)

        return self._call(run)

    def update_endpoint_group(self):
        return self._call(lambda b, p: {"EndpointGroup": b.update_endpoint_group(p).to_dict(b.health_marks)})

    def delete_endpoint_group(self):
        return self._call(lambda b, p: b.delete_endpoint_group(p) or {})

    def tag_resource(self):
        return self._call(lambda b, p: b.tag_resource(p) or {})

    def untag_resource(self):
        return self._call(lambda b, p: b.untag_resource(p) or {})

    def list_tags_for_resource(self):
        def run(b, p):
            acc = b.tagged(_required(p, "ResourceArn"))
            return {"Tags": [{"Key": k, "Value": v} for k, v in (acc.tags if acc else {}).items()]}

        return self._call(run)


def _with_token(out, nxt):
    if nxt is not None:
        out["NextToken"] = nxt
    return out


def endpoint_health_hook(request, full_url, headers):
    """POST /moto-api/ga/endpoint-health: how a test makes an endpoint UNHEALTHY (or INITIAL) and back."""
    if request.method != "POST":
        return 405, {}, json.dumps({"Error": "POST {EndpointId, HealthState, HealthReason?, AccountId?}"})
    try:
        body = json.loads(request.data or b"{}")
    except ValueError:
        return 400, {}, json.dumps({"Error": "the body is not JSON"})
    endpoint_id, state = body.get("EndpointId"), body.get("HealthState")
    account = body.get("AccountId") or DEFAULT_ACCOUNT_ID
    if not isinstance(endpoint_id, str) or not endpoint_id or state not in HEALTH_STATES:
        return 400, {}, json.dumps({"Error": f"needs EndpointId and HealthState ({', '.join(HEALTH_STATES)})"})
    if not isinstance(account, str) or not re.match(r"^\d{12}$", account):
        return 400, {}, json.dumps({"Error": "AccountId must be 12 digits"})
    with _lock:
        globalaccelerator_backends[account][API_REGION].mark_health(endpoint_id, state, body.get("HealthReason"))
    return 200, {}, json.dumps({"status": "ok"})


def _deploy_delay_seconds():
    raw = os.environ.get(DEPLOY_DELAY_ENV)
    if raw is None or raw == "":
        return DEFAULT_DEPLOY_DELAY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{DEPLOY_DELAY_ENV}={raw!r} is not a number of seconds") from None
    if value < 0:
        raise SystemExit(f"{DEPLOY_DELAY_ENV}={raw!r} must not be negative")
    return value


_reset = MotoAPIBackend.reset


def reset_with_ga(self):
    _reset(self)
    state_manager.unset_transition(MODEL_NAME)


def install():
    """Makes moto_server route `globalaccelerator` calls here; call before the server starts."""
    # The dispatcher imports `moto.<service>` and reads `<service>_backends` from it.
    module = types.ModuleType("moto.globalaccelerator")
    module.globalaccelerator_backends = globalaccelerator_backends
    sys.modules["moto.globalaccelerator"] = module
    # The SigV4 scope gives the host globalaccelerator.us-west-2.amazonaws.com; this finds the service from it.
    backend_index.backend_url_patterns.insert(0, (SERVICE, re.compile(r"https?://globalaccelerator\.(.+)\.amazonaws\.com")))
    state_manager.register_default_transition(MODEL_NAME, transition={"progression": "time", "seconds": _deploy_delay_seconds()})
    moto_api_urls.url_paths["{0}/moto-api/ga/endpoint-health"] = endpoint_health_hook
    MotoAPIBackend.reset = reset_with_ga
