"""Per-request work moto_server repeats for nothing, done once: the server's speed, not its answers.

moto 5.2.x finds the backend of every request in DomainDispatcherApplication.get_backend_for_host:
it lists moto's package directory (os.listdir, then an isdir per entry, ~200 system calls) and then
tries the URL patterns of every service, one regex after the other, for the host it inferred from
the request's signature. Both depend on the host string only (moto's files and patterns do not
change while it runs), so the answer per host is kept; the set of hosts is small (service x Region),
and bounded here anyway. On a failover bench round this lookup was 15 % of moto's CPU (py-spy).

werkzeug also writes a line per request to stderr through colorama; the test stack discards moto's
output (test/env/moto.ts), so only errors are logged.
"""

import logging

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


def install():
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
