"""HTTP/1.1 keep-alive for moto_server: a connection carries many calls, as AWS's endpoints allow.

werkzeug 3.x's development server, which moto_server runs, answers every request with
`Connection: close`: it cannot tell where a request's body ends, so it reads whatever else arrives
within 10 ms and closes. Every AWS call the controller makes then costs a new TCP connection, a new
thread in moto (socketserver starts one per connection and waits for it to start), and up to 10 ms
of that thread waiting for the client to close. In a failover wave of ~600 calls that was about a
quarter of moto's samples (py-spy: thread starts, the drain's select, socket writes), CPU that
AWS's endpoints, which keep connections open, do not ask of anyone.

Here a request whose body length is known (Content-Length, or none) is answered on a connection
that stays open: the application reads its body through a stream that stops at that length, what
it leaves unread is skipped, and the response goes out in one write with its Content-Length. A
request that asks to close, an HTTP/1.0 request and a chunked request body keep werkzeug's own
handling (answer, then close). An application error is logged as werkzeug logs it, answered with
500, and closes the connection. Answers are moto's; only the connection's life changes.
"""

import traceback

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import WSGIRequestHandler

_run_wsgi = WSGIRequestHandler.run_wsgi

SKIP_CHUNK = 65536


class LimitedBody:
    """The request's body: at most `length` bytes of the connection, the rest left for the next request."""

    def __init__(self, rfile, length):
        self.rfile = rfile
        self.left = length

    def read(self, size=-1):
        if self.left <= 0:
            return b""
        n = self.left if size is None or size < 0 else min(size, self.left)
        data = self.rfile.read(n)
        # A short read is the client going away: nothing more will come.
        self.left = self.left - len(data) if len(data) == n else 0
        return data

    def readline(self, size=-1):
        if self.left <= 0:
            return b""
        n = self.left if size is None or size < 0 else min(size, self.left)
        line = self.rfile.readline(n)
        self.left = self.left - len(line) if line else 0
        return line

    def skip_rest(self):
        while self.left > 0 and self.read(SKIP_CHUNK):
            pass
        return self.left == 0


def keeps_alive(handler):
    """Whether this request can be answered on a connection that stays open."""
    if handler.close_connection or handler.request_version != "HTTP/1.1":
        return False
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        return False
    length = handler.headers.get("Content-Length")
    return length is None or (length.isdigit() and len(length) < 12)


def response_bytes(handler, status, headers, payload):
    code = int(status.split(None, 1)[0])
    has_length = any(k.lower() == "content-length" for k, _ in headers)
    bodiless = handler.command == "HEAD" or 100 <= code < 200 or code in (204, 304)
    lines = [f"{handler.protocol_version} {status}", f"Date: {handler.date_time_string()}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() != "connection"]
    if not has_length and not bodiless:
        lines.append(f"Content-Length: {len(payload)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if bodiless else head + payload


def call_app(app, environ):
    answer = {}
    chunks = []

    def start_response(status, headers, exc_info=None):
        answer["status"] = status
        answer["headers"] = headers
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer["status"], answer["headers"], b"".join(chunks)


def run_wsgi(self):
    if not keeps_alive(self):
        return _run_wsgi(self)
    if self.headers.get("Expect", "").lower().strip() == "100-continue":
        self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    self.environ = environ = self.make_environ()
    body = LimitedBody(self.rfile, int(self.headers.get("Content-Length") or 0))
    environ["wsgi.input"] = body
    try:
        status, headers, payload = call_app(self.server.app, environ)
    except Exception:
        if self.server.passthrough_errors:
            raise
        self.server.log("error", f"Error on request:\n{traceback.format_exc()}")
        self.close_connection = True
        status, headers, payload = call_app(InternalServerError(), environ)
    # What the application left of the body is skipped: the next request starts after it.
    if not body.skip_rest():
        self.close_connection = True
    try:
        self.wfile.write(response_bytes(self, status, headers, payload))
    except ConnectionError:
        self.close_connection = True


def install():
    WSGIRequestHandler.run_wsgi = run_wsgi
