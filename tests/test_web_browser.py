"""The web pages, as they look and behave, in a real browser: every page type checked by axe-core in
headless Chromium with no violation (WCAG 2.2 A and AA, and axe's best practices), and a
keyboard-only walk (TAB and ENTER) from signing in through the diary, a case and its draft to
approving it.

A real `letters serve` on 127.0.0.1 (a free port) over a temporary outbox: the bundled example
records stored, two of them processed (letters written, an outcome drafted for sign-off),
one bad record rejected, and a manager and an admin account made with `letters users add
--password-stdin`. Debian's chromium and chromium-driver (.ci/run installs them) are driven by
Selenium through the system driver, /usr/bin/chromedriver: nothing is downloaded. axe-core is
vendored under tests/vendor/axe-core/ (its version and licence there) and injected by the test,
never served by the service.
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "inbox"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM = "/usr/bin/chromium"
AS_OF = "2026-11-20"
# Received Mon 16 Nov 2026: `letters process` writes its acknowledgement and consent request; then
# a newer record says the complaint was withdrawn on Thu 19 Nov, so a withdrawal confirmation is due.
PROCESSED = "TWC-2026-0201"
# Its stage 1 decision (e7, Tue 17 Nov 2026) makes the outcome due: `letters process` drafts it and
# holds it for a manager (the Code's default: a council signs its outcome letters off).
DRAFTED = "TWC-2026-0142"
PASSWORD = "a long enough password"
# Every rule axe-core runs by default: WCAG 2.0, 2.1 and 2.2 A and AA, and its best practices.
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def letters(*args: str, outbox: Path, inbox: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    folders = ["--rules", str(ROOT / "rules"), "--templates", str(ROOT / "templates"), "--outbox", str(outbox)]
    if inbox is not None:
        folders += ["--inbox", str(inbox)]
    return subprocess.run([sys.executable, "-m", "correspondence.cli", *args, *folders], input=stdin, text=True,
                          capture_output=True, cwd=str(ROOT), timeout=300)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site():
    """A served outbox: (base URL, outbox, inbox)."""
    tmp = Path(tempfile.mkdtemp(prefix="web-browser-"))
    outbox, inbox = tmp / "outbox", tmp / "inbox"
    inbox.mkdir()
    others = [p for p in sorted(EXAMPLES.glob("*.json")) if p.stem.upper() not in (PROCESSED, DRAFTED)]
    stored = letters("store", *map(str, others), outbox=outbox)
    assert stored.returncode == 0, stored.stderr
    for case_id in (PROCESSED, DRAFTED):
        shutil.copy(EXAMPLES / f"{case_id.lower()}.json", inbox / f"{case_id.lower()}.json")
    (inbox / "bad-record.json").write_text('{"format": "complaint-case/1", "case_id": "BAD-1"}', encoding="utf-8")
    processed = letters("process", "--as-of", AS_OF, outbox=outbox, inbox=inbox)
    assert processed.returncode in (0, 1), processed.stderr  # 1: the bad record was rejected
    newer = json.loads((EXAMPLES / f"{PROCESSED.lower()}.json").read_text(encoding="utf-8"))
    newer["events"] = [{"id": "e2", "type": "withdrawn", "date": "2026-11-19", "method": "email"}]
    (tmp / "newer.json").write_text(json.dumps(newer), encoding="utf-8")
    assert letters("store", str(tmp / "newer.json"), outbox=outbox).returncode == 0
    for name, role in (("mandy", "manager"), ("ada", "admin")):
        added = letters("users", "add", name, "--role", role, "--password-stdin", outbox=outbox, stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "correspondence.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--as-of", AS_OF,
         "--rules", str(ROOT / "rules"), "--templates", str(ROOT / "templates"), "--outbox", str(outbox),
         "--inbox", str(inbox)], cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=5) as answer:
                    assert json.load(answer)["status"] == "ok"
                break
            except OSError:
                assert server.poll() is None, f"letters serve stopped: {server.stderr.read()[-2000:]}"
                assert time.monotonic() < deadline, "letters serve did not answer within 60 s"
                time.sleep(0.2)
        yield base, outbox, inbox
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="web-browser-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--window-size=1280,1024", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(driver, base: str, name: str) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    # the click starts the POST and its redirect: wait for the diary, not the sign-in page's own heading
    WebDriverWait(driver, 30).until(lambda d: d.current_url.rstrip("/") == base.rstrip("/"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Diary"


def violations(driver) -> list[str]:
    """axe-core's violations on the page shown (WCAG 2.2 A and AA, best practices), one line each."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done({passes: r.passes.length, violations: r.violations.map(v => v.id + ': ' + v.help +"
        " ' -- ' + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', '))}))"
        ".catch(e => done({passes: 0, violations: ['axe failed: ' + e]}));", RULES)
    assert found["passes"] > 10, "axe checked next to nothing: is the page there?"
    return found["violations"]


def draft_stem(outbox: Path) -> str:
    drafts = sorted((outbox / DRAFTED / "drafts").glob("*.json"))
    assert drafts, f"{DRAFTED} has no draft"
    return drafts[0].stem


def filed_stem(outbox: Path) -> str:
    filed = sorted(p for p in (outbox / PROCESSED).glob("*.json"))
    assert filed, "the processed case has no letter filed"
    return filed[0].stem


def test_every_page_type_has_no_accessibility_violation(site, browser):
    base, outbox, _ = site
    browser.delete_all_cookies()
    pages = {"login": "/login"}
    found = {}
    browser.get(base + pages["login"])
    found["login"] = violations(browser)
    sign_in(browser, base, "ada")
    pages.update({
        "diary": "/", "diary filtered": "/?status=overdue&council=luton", "case": f"/cases/{PROCESSED}",
        "issued letter": f"/cases/{PROCESSED}/letters/{filed_stem(outbox)}",
        "draft letter": f"/cases/{DRAFTED}/letters/{draft_stem(outbox)}",
        "drafts": "/drafts", "rejected": "/rejected", "report": "/report?quarter=2026Q4",
        "admin users": "/admin/users", "confirm removing an account": "/admin/users/mandy/remove",
        "error (not found)": "/cases/NO-SUCH-CASE",
    })
    for kind, path in pages.items():
        if kind == "login":
            continue
        browser.get(base + path)
        assert "Sign in" not in browser.title, f"{kind}: {path} asked to sign in"
        found[kind] = violations(browser)
    assert "Page not found" in browser.page_source or "not found" in browser.title.lower()
    assert {kind: v for kind, v in found.items() if v} == {}


# The elements that reach past the page's right edge (outside a table's own scrolling region).
WIDER = ("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
         "document.documentElement.clientWidth + 1 && !e.closest('.app-table-scroll'))"
         ".map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + e.className).slice(0, 8);")


def test_at_320_pixels_wide_no_page_scrolls_sideways_and_axe_finds_nothing(site, browser):
    """A phone's width (WCAG 1.4.10 Reflow): the page fits; a wide table scrolls inside a region
    of its own that takes the keyboard's focus, never the whole page."""
    base, outbox, _ = site
    sign_in(browser, base, "ada")
    pages = {"diary": "/", "case": f"/cases/{DRAFTED}", "issued letter": f"/cases/{PROCESSED}/letters/{filed_stem(outbox)}",
             "draft letter": f"/cases/{DRAFTED}/letters/{draft_stem(outbox)}", "drafts": "/drafts",
             "rejected": "/rejected", "report": "/report?quarter=2026Q4", "admin users": "/admin/users",
             "confirm removing an account": "/admin/users/mandy/remove", "error (not found)": "/cases/NO-SUCH-CASE"}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    try:
        wide, found = {}, {}
        for kind, path in pages.items():
            browser.get(base + path)
            sizes = browser.execute_script("const e = document.documentElement; return [e.scrollWidth, e.clientWidth];")
            if sizes[0] > sizes[1]:
                wide[kind] = browser.execute_script(WIDER)
            tables = browser.execute_script(
                "return [...document.querySelectorAll('table.govuk-table')].map(t => t.parentElement.className);")
            assert all(c == "app-table-scroll" for c in tables), (kind, tables)
            found[kind] = violations(browser)
        browser.get(base + "/login")  # signed out: the sign-in page at the same width
        browser.delete_all_cookies()
        browser.get(base + "/login")
        sizes = browser.execute_script("const e = document.documentElement; return [e.scrollWidth, e.clientWidth];")
        if sizes[0] > sizes[1]:
            wide["login"] = sizes
        found["login"] = violations(browser)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert wide == {}
    assert {kind: v for kind, v in found.items() if v} == {}


def test_at_320_pixels_the_letter_and_its_copy_fill_the_width_with_a_link_to_open_each(site, browser):
    """A phone shows no PDF inside a page: each frame runs the column's full width and the 'Open the
    PDF' link above it, a finger's height, opens the file itself."""
    base, outbox, _ = site
    sign_in(browser, base, "ada")
    stem = draft_stem(outbox)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    try:
        browser.get(base + f"/cases/{DRAFTED}/letters/{stem}")
        for frame, link, href in (("letter-pdf", "pdf-link", f"/cases/{DRAFTED}/letters/{stem}.pdf"),
                                  ("copy-pdf", "copy-pdf-link", f"/cases/{DRAFTED}/letters/{stem}.copy.pdf")):
            box = browser.execute_script(
                "const f = document.getElementById(arguments[0]), c = f.parentElement.getBoundingClientRect(),"
                " b = f.getBoundingClientRect(); return [b.left - c.left, c.right - b.right, b.width, b.height];", frame)
            assert abs(box[0]) <= 1 and abs(box[1]) <= 1 and box[2] >= 280 and box[3] >= 360, (frame, box)
            opener = browser.find_element(By.ID, link)
            assert opener.is_displayed() and opener.get_attribute("href") == base + href
            assert opener.text.startswith("Open the PDF") and opener.size["height"] >= 24, opener.size
            assert opener.location["y"] < browser.find_element(By.ID, frame).location["y"]  # the link first
        sizes = browser.execute_script("const e = document.documentElement; return [e.scrollWidth, e.clientWidth];")
        assert sizes[0] <= sizes[1], browser.execute_script(WIDER)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


class Keyboard:
    """TAB and ENTER only: focus moves as a person's keyboard moves it."""

    def __init__(self, driver):
        self.driver = driver

    def focused(self) -> dict:
        return self.driver.execute_script(
            "const e = document.activeElement; return {tag: e.tagName.toLowerCase(), id: e.id || '',"
            " href: e.getAttribute('href') || '', text: (e.innerText || e.value || '').trim()};")

    def tab_to(self, wanted, limit: int = 400) -> dict:
        for _ in range(limit):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            now = self.focused()
            if wanted(now):
                return now
        raise AssertionError(f"TAB never reached the element wanted (last focused: {self.focused()})")

    def type(self, text: str) -> None:
        ActionChains(self.driver).send_keys(text).perform()

    def enter(self) -> None:
        ActionChains(self.driver).send_keys(Keys.ENTER).perform()

    def wait_for(self, path: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.driver.current_url.split("?")[0].endswith(path):
            assert time.monotonic() < deadline, f"never reached {path} (at {self.driver.current_url})"
            time.sleep(0.1)
        self.driver.execute_script("return document.readyState")


def test_a_manager_signs_in_and_approves_a_draft_with_the_keyboard_alone(site, browser):
    base, outbox, _ = site
    stem = draft_stem(outbox)
    keys = Keyboard(browser)
    browser.delete_all_cookies()
    browser.get(base + "/login")
    keys.tab_to(lambda e: e["id"] == "username")
    keys.type("mandy")
    keys.tab_to(lambda e: e["id"] == "password")
    keys.type(PASSWORD)
    keys.tab_to(lambda e: e["id"] == "sign-in")
    keys.enter()
    keys.wait_for("/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Diary"
    keys.tab_to(lambda e: e["href"] == f"/cases/{DRAFTED}")
    keys.enter()
    keys.wait_for(f"/cases/{DRAFTED}")
    keys.tab_to(lambda e: e["href"] == f"/cases/{DRAFTED}/letters/{stem}")
    keys.enter()
    keys.wait_for(f"/cases/{DRAFTED}/letters/{stem}")
    assert "Draft awaiting sign-off" in browser.find_element(By.ID, "letter-summary").text
    keys.tab_to(lambda e: e["id"] == "approve")
    keys.enter()
    deadline = time.monotonic() + 90  # approval makes the letter again (Word and PDF) and checks it
    while not browser.find_elements(By.ID, "message"):
        assert time.monotonic() < deadline, f"no answer to the approval (at {browser.current_url})"
        time.sleep(0.2)
    message = browser.find_element(By.ID, "message").text
    assert "Approved and filed as" in message and "signed off by mandy" in message
    assert "Issued" in browser.find_element(By.ID, "letter-summary").text
    # Filed in the case's folder (where a print room reads) and recorded in the ledger as issued.
    issued = browser.current_url.rsplit("/", 1)[-1]
    assert (outbox / DRAFTED / f"{issued}.pdf").is_file() and (outbox / DRAFTED / f"{issued}.docx").is_file()
    due = letters("due", DRAFTED, "--json", "--as-of", AS_OF, outbox=outbox)
    outcome = next(x for x in json.loads(due.stdout)["letters"] if x["letter"] == "outcome")
    assert outcome["status"] == "issued"


def test_the_browser_is_debians_chromium_through_its_own_driver(browser):
    """No driver or browser fetched at test time: Selenium's manager, which downloads, never ran."""
    done = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30)
    assert browser.capabilities["browserVersion"] in done.stdout  # "Chromium 1xx.0.x.y built on Debian ..."
    assert browser.service.path == CHROMEDRIVER
    assert not (Path.home() / ".cache" / "selenium").exists()
