"""What a running service keeps (compiled templates, the rules, template hashes, compiled HTML
kept between runs) never outlives the files it came from: an edit is used from the next letter,
even one that keeps the file's modification time (``cp -p``, ``rsync -a``, ``touch -r``); a
council's override added while the service runs is used in both formats; a damaged or foreign
entry in the cache folder is never run."""

import os
import shutil

import pytest
from conftest import ROOT, context_for, members

from correspondence.common import cache
from correspondence.letters import render
from correspondence.letters.render import Renderer
from correspondence.service import inbox

SHARED = "is independent of the council and its service is free."


@pytest.fixture
def templates(tmp_path):
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    return copy


def edit_keeping_time(path, old: str, new: str) -> None:
    """Replace text in a file and set its modification time back, as ``cp -p`` of an edited copy does."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_an_html_template_edited_with_its_old_time_is_used_from_the_next_letter(fresh_cache, templates, all_specimens):
    renderer = Renderer(templates)
    ctx = context_for(all_specimens, "hampshire", "outcome")
    assert SHARED in renderer.render_html("hampshire", "outcome", ctx)
    edit_keeping_time(templates / "html" / "_base.html", SHARED, "is independent of the council and free to use.")
    html = renderer.render_html("hampshire", "outcome", ctx)
    assert "is independent of the council and free to use." in html and SHARED not in html
    # and the manifest's hash of the file is the new file's
    import hashlib
    assert render.sha256_file(templates / "html" / "_base.html") == hashlib.sha256(
        (templates / "html" / "_base.html").read_bytes()).hexdigest()


def test_a_word_template_edited_with_its_old_time_is_used_from_the_next_letter(fresh_cache, templates, all_specimens):
    from docxtpl import DocxTemplate

    renderer = Renderer(templates)
    ctx = context_for(all_specimens, "luton", "extension")
    renderer.render_docx("luton", "extension", ctx)  # compiled and kept by this renderer
    body = templates / "docx" / "extension.docx"
    before = body.stat()
    doc = DocxTemplate(str(body)).get_docx()
    doc.add_paragraph("A sentence added to the shared extension letter.")
    doc.save(str(body))
    os.utime(body, ns=(before.st_atime_ns, before.st_mtime_ns))
    letter = renderer.render_docx("luton", "extension", ctx)
    assert b"A sentence added to the shared extension letter." in members(letter)["word/document.xml"]


def test_a_council_override_added_while_running_is_used_in_both_formats(fresh_cache, templates, all_specimens):
    renderer = Renderer(templates)
    ctx = context_for(all_specimens, "warwickshire", "escalation-refusal")
    assert SHARED in renderer.render_html("warwickshire", "escalation-refusal", ctx)
    renderer.render_docx("warwickshire", "escalation-refusal", ctx)

    own = templates / "html" / "warwickshire"
    own.mkdir()
    shutil.copy(templates / "html" / "_base.html", own / "_base.html")
    edit_keeping_time(own / "_base.html", SHARED, "is independent of Warwickshire County Council and free.")
    html = renderer.render_html("warwickshire", "escalation-refusal", ctx)
    assert "is independent of Warwickshire County Council and free." in html and SHARED not in html
    assert "templates/html/warwickshire/_base.html" in renderer.sources("warwickshire", "escalation-refusal")

    from docxtpl import DocxTemplate
    (templates / "docx" / "warwickshire").mkdir()
    doc = DocxTemplate(str(templates / "docx" / "_base.docx")).get_docx()
    doc.add_paragraph("Warwickshire's own Word base.")
    doc.save(str(templates / "docx" / "warwickshire" / "_base.docx"))
    assert b"Warwickshire's own Word base." in members(
        renderer.render_docx("warwickshire", "escalation-refusal", ctx))["word/document.xml"]

    (own / "_base.html").unlink()  # and back to the shared one when it goes
    assert SHARED in renderer.render_html("warwickshire", "escalation-refusal", ctx)


def test_rules_edited_with_their_old_time_are_read_again(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    first = inbox._book(str(rules))
    assert first.policy_for("telford-wrekin").clock("stage1.response").amount == 10
    path = rules / "telford-wrekin.toml"
    text = path.read_text(encoding="utf-8")
    old = 'response = { wd = 10, from = "acknowledgement"'
    assert text.count(old) == 1
    edit_keeping_time(path, old, 'response = { wd = 15, from = "acknowledgement"')
    assert inbox._book(str(rules)).policy_for("telford-wrekin").clock("stage1.response").amount == 15


def html_entries(folder):
    return sorted(p for p in folder.glob("html-*/*.bin"))


def test_a_damaged_html_entry_is_compiled_again_never_run(fresh_cache, all_specimens, monkeypatch):
    ctx = context_for(all_specimens, "hampshire", "outcome")
    expected = Renderer(ROOT / "templates").render_html("hampshire", "outcome", ctx)
    entries = html_entries(fresh_cache)
    assert entries, "the HTML templates' compiled code is kept in the cache"
    for entry in entries:  # one word of the letter changed inside the compiled code, length kept
        data = entry.read_bytes()
        if b"Ombudsman" in data:
            entry.write_bytes(data.replace(b"Ombudsman", b"Ombudsmen"))
    again = Renderer(ROOT / "templates").render_html("hampshire", "outcome", ctx)
    assert again == expected
    for entry in html_entries(fresh_cache):  # every byte flipped past the header
        data = entry.read_bytes()
        entry.write_bytes(data[:80] + bytes(b ^ 0xFF for b in data[80:]))
    assert Renderer(ROOT / "templates").render_html("hampshire", "outcome", ctx) == expected
    monkeypatch.setenv(cache.ENV, "off")
    assert Renderer(ROOT / "templates").render_html("hampshire", "outcome", ctx) == expected


def test_the_html_entries_stay_bounded(fresh_cache, all_specimens, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    renderer = Renderer(ROOT / "templates")
    for council, kind in sorted(all_specimens)[:12]:
        renderer.render_html(council, kind, context_for(all_specimens, council, kind))
    folders = list(fresh_cache.glob("html-*"))
    assert folders
    for folder in folders:
        assert 1 <= len(list(folder.glob("*.bin"))) <= 3


def test_an_entry_others_could_have_written_is_not_read(fresh_cache):
    key = cache.key_of("test", "entry")
    assert cache.write("word", key, b"compiled")
    entry = next((fresh_cache / "word").glob("*.bin"))
    os.chmod(entry, 0o666)
    assert cache.read("word", key) is None
    os.chmod(entry, 0o600)
    assert cache.read("word", key) == b"compiled"
    if os.geteuid() == 0:  # another user's file, with the right key and checksum
        os.chown(entry, 65534, -1)
        assert cache.read("word", key) is None


def test_a_cache_folder_made_unsafe_while_running_is_no_longer_used(fresh_cache):
    key = cache.key_of("test", "swap")
    assert cache.write("word", key, b"compiled")
    os.chmod(fresh_cache / "word", 0o777)  # as if swapped for a folder anyone can write to
    assert cache.folder("word") is None and cache.read("word", key) is None
    os.chmod(fresh_cache / "word", 0o700)
    assert cache.read("word", key) == b"compiled"


def saved_as(path, text_from, text_to):
    """Save ``path`` as an editor does (a new file renamed over it), with one text changed."""
    data = path.read_bytes()
    assert text_from.encode() in data
    temp = path.with_name(path.name + ".saving")
    temp.write_bytes(data.replace(text_from.encode(), text_to.encode()))
    os.replace(temp, path)


def test_a_word_template_saved_while_it_is_compiled_is_built_from_one_version(fresh_cache, templates, all_specimens,
                                                                             monkeypatch):
    """A save that lands while a Word template is being built: the letter, its manifest's hash
    and the entry kept for later processes all come from the bytes read once, never a mix."""
    import hashlib
    import io
    import zipfile

    from correspondence.letters.word_render import WordTemplate

    ctx = context_for(all_specimens, "warwickshire", "escalation-refusal")
    base = templates / "docx" / "_base.docx"
    original = base.read_bytes()

    def edited(data: bytes) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                part = src.read(item.filename)
                if item.filename == "word/document.xml":
                    part = part.replace(SHARED.encode(), b"is independent of the council and free to use.")
                dst.writestr(item, part)
        return out.getvalue()

    build = WordTemplate._build

    def saved_meanwhile(self, env, prepare):
        temp = base.with_name("_base.docx.saving")
        temp.write_bytes(edited(original))
        os.replace(temp, base)  # the council's save lands now
        return build(self, env, prepare)

    monkeypatch.setattr(WordTemplate, "_build", saved_meanwhile)
    rendered = Renderer(templates).render("warwickshire", "escalation-refusal", ctx, ("docx",))
    monkeypatch.setattr(WordTemplate, "_build", build)
    document = members(rendered.docx)["word/document.xml"]
    assert SHARED.encode() in document and b"free to use" not in document
    assert rendered.sources["templates/docx/_base.docx"] == hashlib.sha256(original).hexdigest()

    base.write_bytes(original)  # reverted: a later process must not find the edited build under this key
    again = members(Renderer(templates).render_docx("warwickshire", "escalation-refusal", ctx))["word/document.xml"]
    assert SHARED.encode() in again and b"free to use" not in again


def test_an_html_template_saved_after_the_letter_is_made_does_not_change_its_manifest(fresh_cache, templates,
                                                                                     all_specimens, monkeypatch):
    import hashlib

    ctx = context_for(all_specimens, "hampshire", "outcome")
    base = templates / "html" / "_base.html"
    original = base.read_bytes()
    renderer = Renderer(templates)
    lay_out = renderer.render_pdf_laid_out

    def saved_meanwhile(html):
        saved_as(base, SHARED, "is independent of the council and free to use.")
        return lay_out(html)

    monkeypatch.setattr(renderer, "render_pdf_laid_out", saved_meanwhile)
    rendered = renderer.render("hampshire", "outcome", ctx, ("pdf",))
    assert SHARED in " ".join(rendered.pdf_lines)
    assert rendered.sources["templates/html/_base.html"] == hashlib.sha256(original).hexdigest()
    assert rendered.sources["templates/html/_base.html"] != hashlib.sha256(base.read_bytes()).hexdigest()
    assert set(rendered.sources) == {"templates/html/_base.html", "templates/html/outcome.html",
                                     "templates/html/letter.css"}


def test_a_fifo_where_an_entry_should_be_is_passed_over_at_once(fresh_cache):
    key = cache.key_of("test", "fifo")
    assert cache.write("word", key, b"compiled")
    entry = next((fresh_cache / "word").glob("*.bin"))
    entry.unlink()
    os.mkfifo(entry, 0o600)  # opening it for reading would wait for a writer for ever
    import threading
    found = []
    reader = threading.Thread(target=lambda: found.append(cache.read("word", key)), daemon=True)
    reader.start()
    reader.join(20)
    if reader.is_alive():  # let it go (a writer that opens and closes), then fail
        os.close(os.open(entry, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading the cache waited on a FIFO")
    assert found == [None]


def test_a_cache_folder_deleted_while_running_is_made_again(fresh_cache):
    assert cache.write("word", cache.key_of("test", 1), b"x")
    shutil.rmtree(fresh_cache)
    assert cache.write("word", cache.key_of("test", 2), b"y")
    assert cache.read("word", cache.key_of("test", 2)) == b"y"


def test_a_manifest_records_the_rules_as_they_were_read(tmp_path):
    """Rules saved after the book was read (and before the letter's manifest is written): the
    manifest holds the hash of what the letter's dates came from."""
    import hashlib

    from correspondence.engine.rules import load_rulebook
    from correspondence.service.issuing import rules_sources

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = (rules / "luton.toml").read_bytes()
    book = load_rulebook(rules)[0]
    saved_as(rules / "luton.toml", "# ", "#  ")
    assert rules_sources(book, "luton")["rules/luton.toml"] == hashlib.sha256(before).hexdigest()
    assert rules_sources(book, "luton")["rules/ombudsmen.toml"] == hashlib.sha256(
        (rules / "ombudsmen.toml").read_bytes()).hexdigest()
