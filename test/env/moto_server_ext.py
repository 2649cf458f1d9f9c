"""moto_server with the three CloudWatch Logs query-definition operations moto does not have.

moto (5.2.x) answers PutQueryDefinition / DescribeQueryDefinitions / DeleteQueryDefinition with an
HTML 500, so saved Logs Insights queries could not be tested end to end. This adds them to moto's
own Logs responder, following the CloudWatch Logs API reference: definitions live per account and
region (in the same backend moto resets), PutQueryDefinition creates with a new id or overwrites
the one named by queryDefinitionId (ResourceNotFoundException if it does not exist) and answers
a repeated clientToken (the SDK's idempotency token) with the first call's id,
DescribeQueryDefinitions filters by name prefix and pages with maxResults/nextToken,
DeleteQueryDefinition answers success or ResourceNotFoundException. Everything else is moto's.
"""

import json
import sys
import time
import uuid

from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.responses import LogsResponse
from moto.server import main

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


LogsResponse.put_query_definition = put_query_definition
LogsResponse.describe_query_definitions = describe_query_definitions
LogsResponse.delete_query_definition = delete_query_definition

if __name__ == "__main__":
    main(sys.argv[1:])
