"""`letters serve`: the complaints team's web pages and the case systems' API (docs/commands.md#letters-serve)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from correspondence.cli.common import (
    Paths,
    as_of_option,
    fail,
    folder_options,
    load_rules,
    log_file_option,
    service_guard,
    setup_logging,
    time_limit_option,
)

log = logging.getLogger("correspondence.web")
MAX_BODY = 6 * 1024 * 1024  # the inbox's 5 MB record limit and a margin: the API answers 413 itself up to here


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--watch", is_flag=True, help="Also run the inbox service (as 'letters watch') in the same process.")
@click.option("--title", help="The name in the header (default: the one council's name, else 'Complaints letters').")
@click.option("--trust-header", metavar="HEADER", help="Take the user name from this header (single sign-on), "
              "only on requests from --trusted-proxy; the user must have an account.")
@click.option("--trusted-proxy", metavar="ADDR", help="The reverse proxy's address: its X-Forwarded-Proto and "
              "--trust-header are believed, nobody else's.")
@click.option("--threads", type=click.IntRange(min=1), default=4, show_default=True, help="Requests served at once.")
@click.option("--request-timeout", type=click.FloatRange(min=1), default=60, show_default=True, metavar="SECONDS",
              help="Seconds a client has to send a whole request (408 after), and an idle connection is kept.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Rendering processes of the inbox service (default: one per core; the API's own: one).")
@time_limit_option
@log_file_option
@as_of_option
@folder_options
@service_guard
def serve(host: str, port: int, watch: bool, title: str | None, trust_header: str | None, trusted_proxy: str | None,
          threads: int, request_timeout: float, workers: int | None, time_limit: float, log_file: Path | None, as_of,
          paths: Paths) -> None:
    """Serve the web pages and the API, with waitress, until SIGINT or SIGTERM."""
    if trust_header and not trusted_proxy:
        fail("--trust-header needs --trusted-proxy ADDR: the header is believed only from that address.", 2)
    setup_logging(log_file)
    logging.getLogger("waitress").setLevel(logging.WARNING)
    from correspondence.service.inbox import check_folders
    from correspondence.web.app import Settings, create_app
    from correspondence.web.server import make_server

    book = load_rules(paths)  # the rules are checked before the first request
    check_folders(paths.inbox, paths.outbox)
    settings = Settings(paths.rules, paths.templates, paths.inbox, paths.outbox, title=title,
                        as_of=as_of.date() if as_of else None, trust_header=trust_header,
                        trusted_proxy=trusted_proxy, workers=1, time_limit=time_limit)
    app = create_app(settings)
    try:
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": {"x-forwarded-proto"}} if trusted_proxy else {}
        # waitress keeps a body before the application sees it: none larger than the API's record
        # (5 MB) and a margin is taken (413), so no request can fill the disk with a huge body; its
        # own answers carry the security headers, and a request sent too slowly is answered 408.
        server = make_server(app, host=host, port=port, threads=threads, request_timeout=request_timeout,
                             max_body=MAX_BODY, **proxy)
    except OSError as exc:
        fail(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.", 3)

    watcher = None
    watching = None
    if watch:
        from correspondence.service.watcher import Watcher

        watcher = Watcher(book, paths.rules, paths.templates, paths.inbox, paths.outbox, workers=workers,
                          time_limit=time_limit)
        watching = threading.Thread(target=watcher.run, name="letters-watch", daemon=True)
        watching.start()

    def stop(signum, _frame):
        log.info("received %s: stopping", signal.Signals(signum).name)
        raise SystemExit(0)  # ends waitress's loop, which then finishes the requests in hand

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    log.info("serving on http://%s:%s%s", host if ":" not in host else f"[{host}]", server.effective_port,
             " and watching the inbox" if watch else "")
    sys.stdout.flush()
    try:
        server.run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        server.close()
        if watcher is not None:
            watcher.stopping.set()
            watching.join(timeout=60)
        app.extensions["letters"].close()
        log.info("stopped")
