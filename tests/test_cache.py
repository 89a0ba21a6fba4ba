"""The cache between runs (cache.py): compiled Word templates are built once and then read back,
the letters they make are docxtpl's; whatever happens to the cache folder (damaged entries, a
folder others can write to, no folder at all, a full or read-only disk) the letters are the same
and nothing fails."""

import os
import stat

from conftest import ROOT, assert_same_letter, context_for, members, read_only, uncompiled_docx

from correspondence.common import cache
from correspondence.letters.render import Renderer
from correspondence.letters.word_render import WordTemplate


def no_building(monkeypatch):
    def refuse(self, env, prepare):
        raise AssertionError("built again although the cache holds it")
    monkeypatch.setattr(WordTemplate, "_build", refuse)


def test_every_letter_from_a_template_read_back_from_the_cache_is_docxtpls(fresh_cache, all_specimens, monkeypatch):
    first = Renderer(ROOT / "templates")
    for council, kind in sorted(all_specimens):  # builds each template once and keeps it
        first.render_docx(council, kind, context_for(all_specimens, council, kind))
    assert len(list((fresh_cache / "word").glob("*.bin"))) >= 10

    reference = Renderer(ROOT / "templates")
    expected = {(c, k): uncompiled_docx(reference, c, k, context_for(all_specimens, c, k)) for c, k in all_specimens}
    no_building(monkeypatch)
    second = Renderer(ROOT / "templates")  # a new process, as far as the renderer knows
    for council, kind in sorted(all_specimens):
        letter = second.render_docx(council, kind, context_for(all_specimens, council, kind))
        assert_same_letter(expected[(council, kind)], letter)


def test_a_changed_template_is_built_again_even_with_its_old_modification_time(fresh_cache, tmp_path, all_specimens):
    templates = tmp_path / "templates"
    import shutil
    shutil.copytree(ROOT / "templates", templates)
    ctx = context_for(all_specimens, "luton", "extension")
    Renderer(templates).render_docx("luton", "extension", ctx)

    from docxtpl import DocxTemplate
    body = templates / "docx" / "extension.docx"
    before = body.stat()
    doc = DocxTemplate(str(body)).get_docx()
    doc.add_paragraph("A sentence added to the shared extension letter.")
    doc.save(str(body))
    os.utime(body, ns=(before.st_atime_ns, before.st_mtime_ns))  # copied back with its old time
    letter = Renderer(templates).render_docx("luton", "extension", ctx)
    assert b"A sentence added to the shared extension letter." in members(letter)["word/document.xml"]


def test_a_damaged_entry_is_built_again_and_replaced(fresh_cache, all_specimens):
    ctx = context_for(all_specimens, "hampshire", "outcome")
    good = Renderer(ROOT / "templates").render_docx("hampshire", "outcome", ctx)
    for entry in (fresh_cache / "word").glob("*.bin"):
        data = entry.read_bytes()
        entry.write_bytes(data[: len(data) // 2])  # torn
    again = Renderer(ROOT / "templates").render_docx("hampshire", "outcome", ctx)
    assert_same_letter(good, again)
    for entry in (fresh_cache / "word").glob("*.bin"):
        data = entry.read_bytes()
        entry.write_bytes(data[:-10] + bytes(10))  # flipped bytes at the end, length kept
    assert_same_letter(good, Renderer(ROOT / "templates").render_docx("hampshire", "outcome", ctx))


def test_a_folder_others_can_write_to_is_not_used(fresh_cache, all_specimens, monkeypatch):
    fresh_cache.mkdir(mode=0o700)
    os.chmod(fresh_cache, 0o777)  # anyone could plant compiled code here
    ctx = context_for(all_specimens, "solihull", "acknowledgement")
    letter = Renderer(ROOT / "templates").render_docx("solihull", "acknowledgement", ctx)
    assert_same_letter(uncompiled_docx(Renderer(ROOT / "templates"), "solihull", "acknowledgement", ctx), letter)
    assert not (fresh_cache / "word").exists()
    assert cache.folder("word") is None


def test_off_writes_nothing(tmp_path, monkeypatch, all_specimens):
    monkeypatch.setenv(cache.ENV, "off")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    Renderer(ROOT / "templates").render_docx("luton", "outcome", context_for(all_specimens, "luton", "outcome"))
    assert cache.folder("word") is None
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()


def test_where_the_cache_lives(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.delenv("CACHE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder("word") == tmp_path / "xdg" / "correspondence" / "word"
    monkeypatch.setenv("CACHE_DIRECTORY", str(tmp_path / "systemd"))  # a unit's CacheDirectory=
    assert cache.folder("word") == tmp_path / "systemd" / "word"
    assert stat.S_IMODE((tmp_path / "systemd").stat().st_mode) == 0o700


def test_a_read_only_cache_folder_only_costs_time(fresh_cache, all_specimens):
    (fresh_cache / "word").mkdir(parents=True, mode=0o700)
    with read_only(fresh_cache / "word"):
        ctx = context_for(all_specimens, "luton", "outcome")
        assert_same_letter(Renderer(ROOT / "templates").render_docx("luton", "outcome", ctx),
                           Renderer(ROOT / "templates").render_docx("luton", "outcome", ctx))
        assert not list((fresh_cache / "word").iterdir())


def test_a_cache_that_cannot_be_written_only_costs_time(fresh_cache, all_specimens, monkeypatch):
    """A full disk under the cache folder (every way a file is made there fails with ENOSPC)
    leaves both letters as they would be without a cache, and nothing fails."""
    import errno
    import tempfile

    def refusing(make):
        def made(*args, **kwargs):
            where = kwargs.get("dir") or (args[2] if len(args) > 2 else None)
            if where is not None and str(fresh_cache) in str(where):
                raise OSError(errno.ENOSPC, "No space left on device")
            return make(*args, **kwargs)
        return made

    monkeypatch.setattr(tempfile, "mkstemp", refusing(tempfile.mkstemp))  # our entries
    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refusing(tempfile.NamedTemporaryFile))  # Jinja's
    ctx = context_for(all_specimens, "warwickshire", "outcome")
    letter = Renderer(ROOT / "templates").render("warwickshire", "outcome", ctx)
    assert_same_letter(uncompiled_docx(Renderer(ROOT / "templates"), "warwickshire", "outcome", ctx), letter.docx)
    assert not [p for p in fresh_cache.rglob("*") if p.is_file()]
    monkeypatch.setenv(cache.ENV, "off")
    assert letter.pdf_lines == Renderer(ROOT / "templates").render("warwickshire", "outcome", ctx, ("pdf",)).pdf_lines


def test_entries_are_whole_or_absent(fresh_cache):
    key = cache.key_of("test", 1)
    assert cache.read("word", key) is None
    assert cache.write("word", key, b"payload")
    assert cache.read("word", key) == b"payload"
    assert cache.read("word", cache.key_of("test", 2)) is None  # another key never reads it
    assert not list((fresh_cache / "word").glob(".*.part"))  # no temporary file left behind


def test_the_cache_stays_bounded(fresh_cache, monkeypatch):
    monkeypatch.setattr(cache, "MAX_ENTRIES", 5)
    for i in range(12):
        cache.write("word", cache.key_of("entry", i), b"x")
    assert len(list((fresh_cache / "word").glob("*.bin"))) == 5


def test_what_a_killed_writer_left_is_removed_once_it_is_old(fresh_cache):
    cache.write("word", cache.key_of("first"), b"x")
    old = fresh_cache / "word" / ".abandoned.part"
    old.write_bytes(b"half")
    os.utime(old, (0, 0))
    new = fresh_cache / "word" / ".writing.part"
    new.write_bytes(b"half")  # another process may be writing it now
    cache.write("word", cache.key_of("second"), b"y")
    assert not old.exists() and new.exists()
