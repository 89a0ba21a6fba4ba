"""Checks in memory: at render time the checks read the Word XML the renderer filled and the text
and sizes WeasyPrint laid out, never the files' bytes; they find what `letters check` finds
reading the same letters from disk."""

import dataclasses
import shutil
from datetime import date

import pytest
from conftest import EXAMPLES, ROOT

from correspondence.engine.case import case_from_record
from correspondence.engine.due import determine
from correspondence.letters import content_check
from correspondence.letters.content_check import (
    check_manifest,
    check_texts,
    docx_text,
    docx_xml_text,
    flat,
    pdf_text,
)
from correspondence.letters.context import build_context
from correspondence.letters.render import Renderer
from correspondence.service.issuing import check_rendered, manifest_for, policy_for
from correspondence.service.outbox import stem_for

AS_OF = date(2026, 11, 20)


def letter_and_manifest(book, renderer, name, kind, formats=("docx", "pdf"), without=()):
    import json
    record = json.loads((EXAMPLES / name).read_text())
    for key in without:
        record.pop(key)
    case = case_from_record(record, name, {c: book.procedures(c) for c in book.councils})
    policy = policy_for(book, case)
    result = determine(case, policy, (), AS_OF)
    letter = next(x for x in result.letters if x.letter == kind)
    ctx = build_context(case, policy, result, letter, AS_OF)
    rendered = renderer.render(case.council, kind, ctx, formats)
    stem = stem_for(letter.letter, letter.stage, letter.trigger, AS_OF)
    manifest = manifest_for(case, letter, AS_OF, stem, ctx, result, book, rendered.sources, formats)
    return rendered, manifest


@pytest.fixture(scope="module")
def renderer():
    return Renderer(ROOT / "templates")


def test_the_word_text_in_memory_is_the_files_text(book, renderer):
    rendered, _ = letter_and_manifest(book, renderer, "wcc-2026-0402.json", "outcome")
    lines = lambda text: sorted(flat(x) for x in text.split("\n") if flat(x))  # noqa: E731
    assert lines(docx_xml_text(rendered.docx_parts)) == lines(docx_text(rendered.docx))


def test_render_time_checks_never_read_the_bytes(book, renderer, monkeypatch):
    rendered, manifest = letter_and_manifest(book, renderer, "wcc-2026-0402.json", "outcome")
    for reader in ("docx_text", "pdf_text", "pdf_font_sizes"):
        monkeypatch.setattr(content_check, reader, lambda data: pytest.fail("a file was parsed back"))
    garbled = dataclasses.replace(rendered, docx=b"not a Word file", pdf=b"not a PDF")
    assert check_rendered(manifest, garbled, book.retired) == []

    # Take the complaint's definition out of what the renderer holds: both formats fail.
    summary = next(i["text"] for i in manifest["required_content"] if i["item"] == "complaint definition")
    stripped = dataclasses.replace(garbled, docx_parts=tuple(p.replace(summary.encode(), b"") for p in rendered.docx_parts),
                                   pdf_lines=tuple(x.replace(summary, "") for x in rendered.pdf_lines))
    failed = {f.file for f in check_rendered(manifest, stripped, book.retired) if summary in f.item}
    assert failed == {manifest["files"]["docx"], manifest["files"]["pdf"]}


def test_large_print_is_judged_on_the_laid_out_sizes(book, renderer):
    # large print: Ms Khan's record, written to her (without her representative)
    rendered, manifest = letter_and_manifest(book, renderer, "twc-2026-0142.json", "outcome", without=("representative",))
    assert manifest["large_print"] and check_rendered(manifest, rendered, book.retired) == []
    small = dataclasses.replace(rendered, pdf_sizes=rendered.pdf_sizes | {11.0})
    assert [f.item for f in check_rendered(manifest, small, book.retired)] == [
        "large print needs 16pt text or more; the smallest is 11pt"]


def test_in_memory_and_on_disk_checks_find_the_same_faults(tmp_path, book):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    body = templates / "html" / "outcome.html"
    body.write_text(body.read_text().replace("<p>{{ complaint.summary }}</p>", "<p>{{ None }}</p>"))  # PDF only
    rendered, manifest = letter_and_manifest(book, Renderer(templates), "wcc-2026-0402.json", "outcome")
    in_memory = check_rendered(manifest, rendered, book.retired)
    assert in_memory, "the broken letter must fail"

    folder = tmp_path / "letter"
    folder.mkdir()
    for ext in ("docx", "pdf"):
        (folder / manifest["files"][ext]).write_bytes(getattr(rendered, ext))
    import json
    (folder / f"{manifest['files']['pdf'][:-4]}.json").write_text(json.dumps(manifest))
    on_disk = check_manifest(folder / f"{manifest['files']['pdf'][:-4]}.json", book.retired)
    assert sorted((f.file.rsplit("/", 1)[-1], f.item) for f in on_disk) == sorted((f.file, f.item) for f in in_memory)
    # ... and the on-disk reading is what check_texts makes of the files' text.
    names = {ext: manifest["files"][ext] for ext in ("docx", "pdf")}
    texts = {"docx": docx_text(rendered.docx), "pdf": pdf_text(rendered.pdf)}
    assert {f.item for f in check_texts(manifest, texts, names, book.retired, rendered.pdf)} == {f.item for f in in_memory}
