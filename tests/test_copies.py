"""The complainant's large-print copy of a letter sent to their representative (docs/letters.md,
Copies to the complainant; docs/outbox.md): the representative's letter in standard print with
the usual offer of other formats, the copy in large print to the complainant, filed beside it."""

import io
import json
import re
import zipfile

from conftest import EXAMPLES, invoke, make, sign_off_all

from correspondence.letters.content_check import docx_smallest_size, docx_text, flat, pdf_font_sizes, pdf_text
from correspondence.letters.fit_to_post import WINDOW, text_lines

STEM = "2026-11-20_outcome-s1_e7"
COPY_LINE = ("This is a large-print copy of the letter we have sent to Cllr Jo Bloggs, who is acting on your "
             "behalf.")


def khan(tmp_path, **changes) -> str:
    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    for key, value in changes.items():
        if value is None:
            record["complainant"].pop(key)
        else:
            record["complainant"][key] = value
    path = tmp_path / "twc-2026-0142.json"
    path.write_text(json.dumps(record))
    return str(path)


def window(pdf: bytes) -> list[str]:
    """The lines inside the envelope window of page 1, without spaces (the PDF's characters only)."""
    lines, _ = text_lines(pdf)
    return [x.text.replace(" ", "") for x in lines if x.page == 1 and WINDOW.holds(x.box)]


def squashed(*lines: str) -> list[str]:
    return [x.replace(" ", "") for x in lines]


def word_sizes(docx: bytes) -> set[str]:
    """Every explicit run size in the Word body, in half-points (32 is 16pt)."""
    xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode("utf-8")
    return set(re.findall(r'<w:sz w:val="(\d+)"', xml))


def test_the_councillor_has_standard_print_and_ms_khan_a_large_print_copy(tmp_path):
    outbox = tmp_path / "outbox"
    rendered = invoke("render", "--case-file", khan(tmp_path), "--as-of", "2026-11-20", outbox=outbox)
    assert rendered.exit_code == 0, rendered.output
    assert "Khan" not in rendered.output and "Aisha" not in rendered.output  # no name in what it says
    drafts = outbox / "TWC-2026-0142" / "drafts"  # outcomes are signed off: the copy is drafted with the letter
    assert sorted(p.name for p in drafts.iterdir()) == [f"{STEM}.copy.docx", f"{STEM}.copy.pdf", f"{STEM}.docx",
                                                        f"{STEM}.json", f"{STEM}.pdf"]
    sign_off_all(outbox, "2026-11-20")
    folder = outbox / "TWC-2026-0142"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        f"{STEM}.copy.docx", f"{STEM}.copy.pdf", f"{STEM}.docx", f"{STEM}.json", f"{STEM}.pdf"]
    assert not any(drafts.iterdir())
    manifest = json.loads((folder / f"{STEM}.json").read_text())
    assert manifest["large_print"] is False and manifest["recipient"]["role"] == "representative"
    copy = manifest["copies"][0]
    assert len(manifest["copies"]) == 1
    assert (copy["to"], copy["channel"], copy["delivery"], copy["large_print"]) == (
        "complainant", "post", "first-class", True)
    assert copy["files"] == {"docx": f"{STEM}.copy.docx", "pdf": f"{STEM}.copy.pdf"}

    # The councillor's letter: standard print, offering large print among the other formats.
    docx, pdf = (folder / f"{STEM}.docx").read_bytes(), (folder / f"{STEM}.pdf").read_bytes()
    for text in (flat(docx_text(docx)), flat(pdf_text(pdf))):
        assert "Dear Councillor Bloggs," in text
        assert "We can provide this letter in large print, Braille, audio or easy read, or in another language." in text
        assert "large-print copy" not in text
    assert "32" not in word_sizes(docx) and docx_smallest_size(docx) < 16
    assert max(pdf_font_sizes(pdf)) < 16
    assert window(pdf) == squashed("Cllr Jo Bloggs", "Telford & Wrekin Council", "Darby House", "Lawn Central",
                                   "Telford", "TF3 4JA")

    # Ms Khan's copy: large print, to her own address, saying whose letter it copies.
    docx, pdf = (folder / f"{STEM}.copy.docx").read_bytes(), (folder / f"{STEM}.copy.pdf").read_bytes()
    for text in (flat(docx_text(docx)), flat(pdf_text(pdf))):
        assert COPY_LINE in text
        assert text.index(COPY_LINE) < text.index("Dear Ms Khan,")
        assert "Our stage 1 response to your complaint" in text
        assert "We can provide this letter in Braille, audio or easy read, or in another language." in text
        assert "Complaint made on behalf of" not in text
    assert docx_smallest_size(docx) >= 16 and min(pdf_font_sizes(pdf)) >= 16
    assert window(pdf) == squashed("Ms Aisha Khan", "12 High Street", "Wellington, Telford", "TF1 1AA")

    checked = invoke("check", str(outbox), outbox=outbox)
    assert checked.exit_code == 0, checked.output
    assert "1 letter checked: each carries its required content." in checked.output


def test_letters_check_reads_the_copy_as_it_reads_the_letter(tmp_path):
    outbox = tmp_path / "outbox"
    invoke("render", "--case-file", khan(tmp_path), "--as-of", "2026-11-20", outbox=outbox)
    sign_off_all(outbox, "2026-11-20")
    folder = outbox / "TWC-2026-0142"
    (folder / f"{STEM}.copy.pdf").unlink()
    checked = invoke("check", str(outbox), outbox=outbox)
    assert checked.exit_code == 1
    assert f"{STEM}.copy.pdf" in checked.output and "the complainant's copy" in checked.output
    assert "the file is missing" in checked.output


def test_with_no_postal_address_the_copy_goes_by_email(tmp_path):
    outbox = tmp_path / "outbox"
    invoke("render", "--case-file", khan(tmp_path, address=None), "--as-of", "2026-11-20", outbox=outbox)
    sign_off_all(outbox, "2026-11-20")
    folder = outbox / "TWC-2026-0142"
    copy = json.loads((folder / f"{STEM}.json").read_text())["copies"][0]
    assert (copy["channel"], copy["delivery"]) == ("email", "email")
    pdf = (folder / f"{STEM}.copy.pdf").read_bytes()
    assert COPY_LINE in flat(pdf_text(pdf)) and COPY_LINE in flat(docx_text((folder / f"{STEM}.copy.docx").read_bytes()))
    assert window(pdf) == squashed("Ms Aisha Khan", "By email: aisha.khan@example.org")
    assert invoke("check", str(outbox), outbox=outbox).exit_code == 0


def test_other_needs_stay_actions_and_no_copy_is_made_without_large_print(tmp_path):
    outbox = tmp_path / "outbox"
    invoke("render", "--case-file", khan(tmp_path, format_needs=["braille"]), "--as-of", "2026-11-20", outbox=outbox)
    sign_off_all(outbox, "2026-11-20")
    folder = outbox / "TWC-2026-0142"
    manifest = json.loads((folder / f"{STEM}.json").read_text())
    assert "copies" not in manifest and manifest["actions_needed"] == ["Send a Braille version"]
    assert not (folder / f"{STEM}.copy.pdf").exists()


def test_a_case_with_no_representative_is_unchanged(tmp_path):
    outbox = tmp_path / "outbox"
    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text())
    record.pop("representative")
    path = tmp_path / "khan.json"
    path.write_text(json.dumps(record))
    invoke("render", "--case-file", str(path), "--as-of", "2026-11-20", outbox=outbox)
    sign_off_all(outbox, "2026-11-20")
    folder = outbox / "TWC-2026-0142"
    manifest = json.loads((folder / f"{STEM}.json").read_text())
    assert "copies" not in manifest and manifest["large_print"] is True
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [f"{STEM}.docx", f"{STEM}.json", f"{STEM}.pdf"]
    pdf = (folder / f"{STEM}.pdf").read_bytes()
    text = flat(pdf_text(pdf))
    assert "Dear Ms Khan," in text and "large-print copy" not in text
    assert min(pdf_font_sizes(pdf)) >= 16


def test_a_letter_to_the_complainant_has_no_copy(tmp_path):
    # make(): a complainant with no representative; large print is met by the letter itself
    outbox = tmp_path / "outbox"
    path = tmp_path / "rec.json"
    path.write_text(json.dumps(make(complainant={"format_needs": ["large-print"]})))
    invoke("render", "--case-file", str(path), "--as-of", "2026-11-03", outbox=outbox)
    manifests = [json.loads(p.read_text()) for p in outbox.rglob("*.json") if p.parent.name != ".cases"
                 and "ledger" not in p.name and p.parent.name != ".journal"]
    letters = [m for m in manifests if "letter" in m]
    assert letters and all("copies" not in m and m["large_print"] for m in letters)
