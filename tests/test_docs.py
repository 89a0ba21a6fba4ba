"""The docs in the repository: generated pages are current, links resolve, nothing points outside."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import COUNCILS

from correspondence.maintainer import docs_build

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = ".venv/bin/python -m correspondence.maintainer.docs_build"


@pytest.fixture(scope="module")
def pages() -> dict[Path, str]:
    return docs_build.build()


@pytest.mark.parametrize("name", sorted(docs_build.PAGES))
def test_generated_page_is_current(pages, name):
    path = docs_build.DOCS / name
    assert path.is_file(), f"docs/{name} is missing: run {REGENERATE} and commit the result."
    assert path.read_text(encoding="utf-8") == pages[path], (
        f"docs/{name} is stale (its source changed since it was generated): run {REGENERATE} and commit the result.")


def test_stale_page_is_reported(tmp_path, monkeypatch):
    page = tmp_path / "docs" / "commands.md"
    page.parent.mkdir()
    page.write_text("old\n", encoding="utf-8")
    (tmp_path / "rules").mkdir()
    monkeypatch.setattr(docs_build, "DOCS", tmp_path / "docs")
    monkeypatch.setattr(docs_build, "ROOT", tmp_path)
    built = docs_build.build()
    assert page in docs_build.stale(built)
    assert docs_build.main(["--check"]) == 1
    assert docs_build.main([]) == 0
    assert docs_build.stale() == []
    assert page.read_text(encoding="utf-8").startswith("<!-- Generated from the click commands")
    monkeypatch.setattr(docs_build, "ROOT", tmp_path / "site-packages")
    assert docs_build.main([]) == 2  # not a checkout: nothing is written


def test_record_format_page_lists_every_schema_field_and_event_type(pages):
    text = pages[docs_build.DOCS / "record-format.md"]
    for field in ("`complainant.preferred_contact`", "`representative.written_consent`", "`events[].type`",
                  "`findings[].point`", "`outstanding_actions[].by`"):
        assert field in text
    for etype, _ in docs_build.event_types(docs_build.json.loads(docs_build.SCHEMA.read_text())):
        assert f"### `{etype}`" in text
    assert '"case_id": "TWC-2026-0142"' in text  # the worked example


def test_letters_page_lists_every_required_item(pages):
    import tomllib

    text = pages[docs_build.DOCS / "letters.md"]
    spec = tomllib.loads(docs_build.REQUIRED_CONTENT.read_text(encoding="utf-8"))
    for section, rules in spec.items():
        for rule in rules:
            assert f"| {rule['item']} |" in text, (section, rule["item"])


def test_commands_page_covers_every_command_and_option(pages):
    import click

    from correspondence.cli import cli

    text = pages[docs_build.DOCS / "commands.md"]
    root = click.Context(cli, info_name="letters")
    for path, cmd, _ in docs_build._commands(cli, root, ["letters"]):
        if isinstance(cmd, click.Group):
            continue
        assert f"## `{' '.join(path)}`" in text
        for param in cmd.params:
            if isinstance(param, click.Option) and param.opts[0] not in ("--rules", "--templates", "--inbox", "--outbox"):
                assert f"`{param.opts[0]}`" in text, (path, param.opts[0])


def _repository_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


SHARED = "../" + "shared"  # spelt in two pieces so that this file does not match itself


def test_nothing_in_the_project_refers_to_the_shared_folder():
    offenders = []
    for path in _repository_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if SHARED in text or re.search(r"\bshared/(spec|policies)\b", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"these files refer to {SHARED}, which a clone does not have: {offenders}"


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


def test_every_link_in_readme_and_docs_resolves_inside_the_repository():
    broken = []
    for page in _markdown_files():
        text = page.read_text(encoding="utf-8")
        anchors = set(re.findall(r'<a id="([^"]+)"></a>', text)) | {
            re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", text, re.M)}
        for target in _LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            file_part, _, anchor = target.partition("#")
            resolved = (page.parent / file_part).resolve() if file_part else page
            if not resolved.exists() or ROOT.resolve() not in (resolved, *resolved.parents):
                broken.append(f"{page.name}: {target}")
            elif anchor and resolved.suffix == ".md":
                target_text = resolved.read_text(encoding="utf-8")
                target_anchors = set(re.findall(r'<a id="([^"]+)"></a>', target_text)) | {
                    re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                    for h in re.findall(r"^#+ (.+)$", target_text, re.M)}
                if anchor not in (target_anchors if file_part else anchors):
                    broken.append(f"{page.name}: {target}")
    assert not broken, f"links that do not resolve inside the repository: {broken}"


def test_ci_runs_the_readme_quick_start_in_a_fresh_clone():
    """`.ci/run` takes the README's two commands from the README itself and runs them in a clone."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    function = re.search(r"^readme_command\(\) \{.*?^\}$", ci, re.M | re.S).group(0)
    found = [subprocess.run(["bash", "-c", f"{function}\nreadme_command {n}"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip() for n in (1, 2)]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert found[0].startswith("python3 -m venv .venv && ") and "letters due --all" in found[0]
    assert found[1].startswith("python3 -m venv .venv && ") and "-m pytest" in found[1]
    assert all(f"\n{command}\n" in readme for command in found)
    assert 'git clone -q "$PWD" "$newcomer/correspondence"' in ci
    assert ci.index("git clone") < ci.index('bash -euo pipefail -c "$step1"') < ci.index('bash -euo pipefail -c "$step2"')


# --------------------------------------------------------------------------- every page and section named exists

# A Markdown page named anywhere (code, comments, docstrings, rules citations, templates, docs):
# docs/rules.md, ../README.md, letters.md (a citation's short name for docs/letters.md), with an
# optional #anchor or a section named after it: `rules.md#holds`, `letters.md "Who receives it"`,
# `docs/rules.md, Deemed receipt: ...`.
_PAGE = re.compile(r"(?<![\w/.\\-])((?:\.\./|\./)?(?:[\w-]+/)*[\w-]+\.md)(?:#([\w-]+)|,? \"([^\"]+)\"|, ([A-Z][\w' ]+))?")
_TEXT_SUFFIXES = {".py", ".toml", ".md", ".html", ".css", ".json", ".txt", ".sh", ".cfg", ".service", ""}
# Names that are meant not to exist here: the contract's own file names, which citations.DOCUMENTS
# translates into these pages (for a rules file that still cites them), and the test of it.
_SPEC = ("policy-matrix", "case-format", "cli")  # written without ".md" so that this file does not name them
_ON_PURPOSE = {("correspondence/engine/citations.py", f"{name}.md") for name in _SPEC} | {
    ("tests/test_policy_names.py", f"{_SPEC[0]}.md")}


def _slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def _sections(page: Path) -> tuple[set[str], list[str]]:
    """A page's anchors (GitHub's for each heading, and <a id>), and its section titles: headings and
    the bold words that open a list item (``- **Deemed receipt.** ...``)."""
    text = page.read_text(encoding="utf-8")
    headings = [re.sub(r"[`*]", "", h).strip() for h in re.findall(r"^#+ (.+)$", text, re.M)]
    titles = headings + [t.rstrip(".") for t in re.findall(r"^\s*- (?:<a id=\"[^\"]+\"></a>)?\*\*([^*]+)\*\*", text, re.M)]
    return set(re.findall(r'<a id="([^"]+)"></a>', text)) | {_slug(h) for h in headings}, [t.lower() for t in titles]


def _page_for(source: Path, name: str) -> Path | None:
    for base in (source.parent, ROOT, ROOT / "docs"):
        candidate = (base / name).resolve()
        if candidate.is_file() and ROOT.resolve() in candidate.parents:
            return candidate
    return None


def _named_pages():
    """(file, line number, name, anchor, section) for every page named in the repository's text files."""
    for path in _repository_files():
        if path.suffix not in _TEXT_SUFFIXES or ".venv" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for match in _PAGE.finditer(line):
                name, anchor, quoted, words = match.groups()
                yield path, number, name, anchor, quoted or (words.strip() if words else None)


def test_every_page_and_section_named_in_the_repository_exists():
    missing = []
    for path, number, name, anchor, section in _named_pages():
        where = f"{path.relative_to(ROOT)}:{number}"
        if (str(path.relative_to(ROOT)), name) in _ON_PURPOSE:
            continue
        page = _page_for(path, name)
        if page is None:
            missing.append(f"{where}: {name} is not a page of the repository")
            continue
        anchors, titles = _sections(page)
        if anchor and anchor not in anchors:
            missing.append(f"{where}: {name}#{anchor}: no such section")
        if section and not any(t.startswith(section.lower()) for t in titles):
            missing.append(f"{where}: {name}, {section!r}: no such section")
    assert not missing, "pages or sections named but not in the repository:\n" + "\n".join(missing)


def test_rules_page_gives_every_key_its_forms_from_the_code_and_every_council_from_rules(pages):
    from correspondence.engine.rules import ALL_KEYS

    text = pages[docs_build.DOCS / "rules.md"]
    keys = text[text.index("<!-- generated: keys"):text.index("<!-- end of generated: keys")]
    for key, spec in ALL_KEYS.items():
        table, _, name = docs_build._generic_key(key).partition(".")
        row = next((line for line in keys.splitlines() if line.startswith(f"| `[{table}]` |") and
                    (f"`{name}`" in line or name == "*")), None)
        assert row is not None, key
        assert ("optional" in row) == bool(spec.get("optional")), key
        if spec["type"] == "clock":
            for unit in spec["units"]:
                assert f"{{ {unit} = N, from = " in row, (key, unit)
            assert ("{ none = true }" in row) == spec["none"], key
    # Calendar days are accepted where the code accepts them, and the page says so there only.
    days = [line for line in keys.splitlines() if "{ days = N" in line]
    assert days and all(line.startswith("| `[deemed_receipt]` |") for line in days)
    councils = text[text.index("<!-- generated: councils"):text.index("<!-- end of generated: councils")]
    ombudsman = text[text.index("<!-- generated: ombudsman"):text.index("<!-- end of generated: ombudsman")]
    for council in COUNCILS:
        assert f"| `{council}` |" in councils and f"`{council}`" in ombudsman, council


def test_the_code_layout_page_names_every_module():
    page = (ROOT / "docs" / "code-layout.md").read_text(encoding="utf-8")
    modules = [p for p in (ROOT / "correspondence").rglob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    missing = [str(p.relative_to(ROOT)) for p in modules if f"`{p.name}`" not in page]
    assert not missing, f"docs/code-layout.md gives no sentence for: {missing}"
