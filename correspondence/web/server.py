"""waitress as ``letters serve`` runs it: its own answers carry the service's security headers, and
a request that does not arrive in full in time is answered 408 and its connection closed.

waitress answers some requests itself, before the application sees them: a malformed request
line or header (400), headers over ``max_request_header_size`` (431), a body over
``max_request_body_size`` (413), a chunked body it cannot read. Its error answers are made by
its channel's ``error_task_class``; the channel class of each server is ours, whose error task
adds the headers below (a plain-text answer: no script, no frame, not kept).

A client may also send its request a byte at a time (a "slowloris"). waitress reads every
connection on one loop and hands a request to a worker thread only once it has arrived in full,
so a slow client holds no thread; but each holds one of the server's connections
(``connection_limit``) for as long as it keeps sending. Our channel gives a request
``request_timeout`` seconds from its first byte to its last, then answers 408 and closes.
"""

from __future__ import annotations

import logging
import time

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import ErrorTask
from waitress.utilities import Error

log = logging.getLogger("correspondence.web")

# What every answer of waitress's own carries (the application's answers: security.headers).
ERROR_HEADERS = [
    ("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]

MAX_HEADER_BYTES = 64 * 1024  # a request's line and headers: a cookie and a proxy's headers fit many times


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class SecureErrorTask(ErrorTask):
    """waitress's error answer, with the security headers."""

    def execute(self):
        self.response_headers.extend(ERROR_HEADERS)
        super().execute()


class Channel(HTTPChannel):
    """One connection: waitress's, with secured error answers and a deadline for each request."""

    error_task_class = SecureErrorTask
    request_timeout = 60.0
    request_started: float | None = None

    def received(self, data):
        if self.request is None and data:
            self.request_started = time.monotonic()
        done = super().received(data)
        if self.request is None:  # the request arrived in full (or nothing is under way)
            self.request_started = None
        return done

    def readable(self):
        # Asked on every pass of the loop (at least once a second): the place to see a request late.
        started = self.request_started
        if started is not None and self.request is not None and time.monotonic() - started > self.request_timeout:
            self._time_out()
        return super().readable()

    def _time_out(self) -> None:
        """Answer the request under way 408 (its connection then closes)."""
        with self.requests_lock:
            request, self.request, self.request_started = self.request, None, None
            if request is None or self.will_close or self.close_when_flushed:
                return
            log.warning("a request did not arrive in full within %.0f seconds: answered 408 and closed",
                        self.request_timeout)
            request.error = RequestTimeout(f"The request did not arrive in full within {self.request_timeout:.0f} "
                                           f"seconds.")
            request.completed = True
            self.requests.append(request)
            if len(self.requests) == 1:
                self.server.add_task(self)


def make_server(app, *, host: str, port: int, threads: int, request_timeout: float, max_body: int, **kw):
    """waitress's server over ``app`` with our channels (every listening socket of it)."""
    sockets: dict = {}
    channel = type("Channel", (Channel,), {"request_timeout": float(request_timeout)})
    server = create_server(app, map=sockets, host=host, port=port, threads=threads, ident="letters",
                           max_request_body_size=max_body, max_request_header_size=MAX_HEADER_BYTES,
                           channel_timeout=max(1, int(request_timeout)), clear_untrusted_proxy_headers=True, **kw)
    for listener in {id(s): s for s in [server, *sockets.values()]}.values():
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel
    return server
