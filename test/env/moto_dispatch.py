"""Per-request work moto_server repeats for nothing, done once: the server's speed, not its answers.

moto 5.2.x finds the backend of every request in DomainDispatcherApplication.get_backend_for_host:
it lists moto's package directory (os.listdir, then an isdir per entry, ~200 system calls) and then
tries the URL patterns of every service, one regex after the other, for the host it inferred from
the request's signature. Both depend on the host string only (moto's files and patterns do not
change while it runs), so the answer per host is kept; the set of hosts is small (service x Region),
and bounded here anyway. On a failover bench round this lookup was 15 % of moto's CPU (py-spy).

werkzeug also writes a line per request to stderr through colorama; the test stack discards moto's
output (test/env/moto.ts), so only errors are logged.

Every request also lists the public functions of its response class (inspect.getmembers, in
BaseResponse.call_action) to see whether the action exists: 3 % of moto's samples in a failover
wave. A class's functions do not change once moto serves (the extensions next to this file patch
them in before), so the list is kept per class.

The first request of a service loads its botocore model (moto.core.utils.get_service_model, cached
afterwards). The cache does not stop concurrent first requests from each loading it: eight
concurrent first EC2 calls took 0.6-1.3 s each (one alone: 0.33 s; once loaded: 0.02 s), and on the
failover bench those were the first fences. The first load is made once here, under a lock; the
others wait for it and take the cached model.
"""

import logging
import threading

import moto.core.responses as core_responses
import moto.core.utils as core_utils
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

MAX_HOSTS = 4096

_get_backend_for_host = DomainDispatcherApplication.get_backend_for_host


def get_backend_for_host(self, host):
    # Called under the dispatcher's own lock (get_application), so a plain dict is safe.
    cache = self.__dict__.setdefault("ext_backend_for_host", {})
    if host in cache:
        return cache[host]
    backend = _get_backend_for_host(self, host)
    if len(cache) < MAX_HOSTS:
        cache[host] = backend
    return backend


def single_flight(load):
    """`load` (functools.cache'd) called under one lock: the first caller loads, the rest take its answer."""
    lock = threading.Lock()

    def loaded(name):
        with lock:
            return load(name)

    return loaded


def per_class(names):
    """`names(clazz)` once per class; the list is shared, and its callers only read it."""
    kept = {}

    def listed(clazz):
        found = kept.get(clazz)
        if found is None:
            found = kept[clazz] = names(clazz)
        return found

    return listed


def install():
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
    # responses.py imported the functions by name: both places get the guarded ones.
    for name in ("get_service_model", "get_pagination_model"):
        guarded = single_flight(getattr(core_utils, name))
        setattr(core_utils, name, guarded)
        setattr(core_responses, name, guarded)
    # responses.py imported it by name too: both places get the kept one.
    listed = per_class(core_utils.method_names_from_class)
    core_utils.method_names_from_class = listed
    core_responses.method_names_from_class = listed
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
