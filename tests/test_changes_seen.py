"""What a running service keeps (compiled templates, the rules, template hashes, compiled HTML
kept between runs) never outlives the files it came from: an edit is used from the next letter,
even one that keeps the file's modification time (``cp -p``, ``rsync -a``, ``touch -r``); a
council's override added while the service runs is used in both formats; a damaged or foreign
entry in the cache folder is never run."""

import os
import shutil

import pytest

from conftest import ROOT, context_for
from correspondence import cache, inbox, render
from correspondence.render import Renderer
from test_word import members

SHARED = "You can contact the Ombudsman:"


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
    edit_keeping_time(templates / "html" / "_base.html", "You can contact the Ombudsman:",
                      "You may contact the Ombudsman:")
    html = renderer.render_html("hampshire", "outcome", ctx)
    assert "You may contact the Ombudsman:" in html and SHARED not in html
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
    edit_keeping_time(own / "_base.html", SHARED, "You may contact the Ombudsman (Warwickshire):")
    html = renderer.render_html("warwickshire", "escalation-refusal", ctx)
    assert "You may contact the Ombudsman (Warwickshire):" in html and SHARED not in html
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
