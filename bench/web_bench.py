"""The diary at a council's size: N stored cases (default 10,000: the bundled examples under new
case ids), `letters due --all` reading the due index against the same command working every record
out afresh (the full determination it made before the index), interleaved in the same run; the
index read in a warm process (nothing changed, one letter issued, every snapshot's stamp looked
at, a new day); and, where the web pages are installed, the diary page and a case page over HTTP
from a warm `letters serve` (p50/p95).

    .venv/bin/python bench/web_bench.py [--cases 10000] [--rounds 3] [--requests 200] [--json]

Figures: each arm's median and spread; `full_over_index`: the full determination's time over the
index's, command against command (how many times faster the index makes `letters due --all`);
the warm figures in milliseconds, with the full determination in the same process beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import PYTHON, ROOT, load, percentile, records, run_timed, spread  # noqa: E402

AS_OF = "2026-11-20"

# `letters due --all` as it was before the index: every stored record read and worked out.
FULL = """
import sys
from correspondence.service import case_store, due_index

def full(book, outbox, as_of, templates=None):
    results, problems = case_store.diary(book, outbox, as_of)
    entries = [due_index.Entry(r.case_id, r.case_id, r, (), {}) for r in results]
    entries += [due_index.Entry("", "", None, (p,), {}) for p in problems]
    return due_index.Diary(as_of, tuple(entries))

due_index.diary_entries = full
from correspondence.cli import main
sys.argv = ["letters", *sys.argv[1:]]
main()
"""


def fill_store(outbox: Path, count: int) -> list[str]:
    """``count`` validated records kept in the case store as `letters store` keeps them (saved in
    batches, each batch fsynced together)."""
    from correspondence.engine.case import case_from_record
    from correspondence.engine.rules import load_rulebook
    from correspondence.service import case_store

    book = load_rulebook(ROOT / "rules")[0]
    councils = {c: book.procedures(c) for c in book.councils}
    batch: list[tuple[str, bytes]] = []
    ids = []
    for record in records(count, "W"):
        case_from_record(record, "bench", councils)
        batch.append((record["case_id"], json.dumps(record).encode()))
        ids.append(record["case_id"])
        if len(batch) == 500:
            case_store.save_all(outbox, batch)
            batch = []
    if batch:
        case_store.save_all(outbox, batch)
    return ids


def due_all(outbox: Path, full: bool, as_of: str = AS_OF) -> tuple[float, str]:
    args = ["due", "--all", "--json", "--as-of", as_of, "--rules", str(ROOT / "rules"), "--outbox", str(outbox)]
    cmd = [PYTHON, "-c", FULL, *args] if full else [PYTHON, "-m", "correspondence.cli", *args]
    seconds, done = run_timed(cmd)
    if done.returncode != 0:
        raise SystemExit(f"letters due --all failed: {done.stderr[-2000:]}")
    return seconds, done.stdout


def warm(outbox: Path, ids: list[str], rounds: int) -> dict:
    """The index read in one warm process (as a server holds it), beside the full determination
    in the same process: the diary with nothing changed, a case, the diary just after a letter is
    issued, the read that also looks at every snapshot's stamp (once every RESCAN_SECONDS), a new
    day (every case worked out again)."""
    from correspondence.engine.rules import load_rulebook
    from correspondence.service import case_store, due_index, ledger

    book = load_rulebook(ROOT / "rules")[0]
    as_of = date.fromisoformat(AS_OF)
    ledger.connect(outbox).close()  # the ledger made (a new ledger is a new input for every case)
    due_index.diary_entries(book, outbox, as_of)  # warm: the index as a server holds it
    time.sleep(due_index.RACY_SECONDS)  # the store folder's stamp old enough to be trusted
    t: dict[str, list[float]] = {"diary": [], "case": [], "one_letter_issued": [], "every_stamp_looked_at": [],
                                 "full": []}
    conn = ledger.connect(outbox)
    for n in range(rounds * 10):
        start = time.perf_counter()
        due_index.diary_entries(book, outbox, as_of).rows
        t["diary"].append(time.perf_counter() - start)
        for case_id in ids[n * 7 % len(ids):][:5]:
            start = time.perf_counter()
            due_index.case_entry(outbox, case_id, book=book, as_of=as_of)
            t["case"].append(time.perf_counter() - start)
        ledger.record(conn, ids[n], "acknowledgement", 1, f"bench-{n}", as_of, "email", "bench")
        start = time.perf_counter()
        due_index.diary_entries(book, outbox, as_of).rows
        t["one_letter_issued"].append(time.perf_counter() - start)
    conn.close()
    for _ in range(rounds):
        due_index._FOLDERS.clear()  # as RESCAN_SECONDS after the last look
        start = time.perf_counter()
        due_index.diary_entries(book, outbox, as_of).rows
        t["every_stamp_looked_at"].append(time.perf_counter() - start)
    for _ in range(rounds):
        start = time.perf_counter()
        case_store.diary(book, outbox, as_of)
        t["full"].append(time.perf_counter() - start)
    start = time.perf_counter()
    due_index.diary_entries(book, outbox, as_of + timedelta(days=1))
    new_day = time.perf_counter() - start
    out = {k: {"p50_ms": round(1000 * statistics.median(v), 1), "p95_ms": round(1000 * percentile(v, 95), 1),
               "n": len(v)} for k, v in t.items()}
    out["new_day_ms"] = round(1000 * new_day, 1)
    out["full_over_index_in_process"] = round(statistics.median(t["full"]) / statistics.median(t["diary"]), 1)
    out["full_over_every_stamp_looked_at"] = round(statistics.median(t["full"])
                                                   / statistics.median(t["every_stamp_looked_at"]), 1)
    return out


# --------------------------------------------------------------------------- over HTTP

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("correspondence.web") is not None


class Browser:
    """Cookies and the CSRF token of the sign-in form, as a person's browser would carry them."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")

    def sign_in(self, user: str, password: str) -> None:
        import re

        _, page = self.get("/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
        form = {"username": user, "password": password}
        if token:
            form["csrf_token"] = token.group(1) or token.group(2)
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as response:
            response.read()


def http(outbox: Path, ids: list[str], requests: int) -> dict:
    home = Path(tempfile.mkdtemp(prefix="web-bench-home-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    user, password = "bench-manager", "correct horse battery staple"
    subprocess.run([PYTHON, "-m", "correspondence.cli", "users", "add", user, "--role", "manager", "--password-stdin",
                    "--outbox", str(outbox)], input=password + "\n", text=True, env=env, check=True,
                   capture_output=True, cwd=str(ROOT))
    port = free_port()
    server = subprocess.Popen([PYTHON, "-m", "correspondence.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--as-of", AS_OF, "--rules", str(ROOT / "rules"), "--outbox", str(outbox),
                               "--inbox", str(home / "inbox")], env=env, cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("letters serve did not start")
                time.sleep(0.2)
        browser = Browser(base)
        browser.sign_in(user, password)
        status, _ = browser.get("/")  # warm: the index read once, as a server has by the first visitor
        if status != 200:
            raise SystemExit(f"the diary page answered {status}")
        t: dict[str, list[float]] = {"diary_page": [], "case_page": []}
        for n in range(requests):
            start = time.perf_counter()
            browser.get("/")
            t["diary_page"].append(time.perf_counter() - start)
            start = time.perf_counter()
            browser.get(f"/cases/{ids[n * 13 % len(ids)]}")
            t["case_page"].append(time.perf_counter() - start)
        return {k: {"p50_ms": round(1000 * statistics.median(v), 1), "p95_ms": round(1000 * percentile(v, 95), 1),
                    "n": len(v)} for k, v in t.items()}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="(the figures are always JSON)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        outbox = Path(tmp) / "outbox"
        ids = fill_store(outbox, args.cases)
        _, first = due_all(outbox, full=False)  # untimed: the index made, as the first read after storing does
        _, before = due_all(outbox, full=True)
        if json.loads(first) != json.loads(before):
            raise SystemExit("the index's diary differs from the full determination's")
        t: dict[str, list[float]] = {"index": [], "full": []}
        for _ in range(args.rounds):
            t["index"].append(due_all(outbox, full=False)[0])
            t["full"].append(due_all(outbox, full=True)[0])
        result = {
            "load_average_before": load(),
            "stored_cases": args.cases,
            "due_all_seconds": {k: spread(v) for k, v in t.items()},
            "full_over_index": spread([f / i for f, i in zip(t["full"], t["index"])]),
            "warm_process": warm(outbox, ids, args.rounds),
        }
        if web_installed():
            result["http"] = http(outbox, ids, args.requests)
        else:
            result["http"] = "the web pages (correspondence.web) are not installed in this checkout"
        result["load_average_after"] = load()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
