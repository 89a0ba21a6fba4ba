"""A council's logo in the letterhead (rules ``[council] logo``, docs/rules.md; letters.md, Fit to
post: a logo in 15-125 mm across, 5-30 mm down): refused by ``rules validate`` unless it is a PNG or
JPEG inside the rules folder, drawn on page 1 only in both formats, scaled to fit 110 x 23 mm."""

import io
import shutil
import struct
import zlib

import pytest
from conftest import EXAMPLES, RULES, invoke
from docx import Document

from correspondence.letters.fit_to_post import LOGO, layout_problems, read_pages

CASE = "lbc-2026-0470.json"  # Luton: a not-accepted letter and a restriction notice, by email
CITE = 'cite = "letters.md (Fit to post: a logo in 15-125 mm across, 5-30 mm down)"'


def png(width: int, height: int) -> bytes:
    """A plain blue PNG of width x height pixels."""
    raw = b"".join(b"\x00" + bytes([30, 90, 160]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def rules_with_logo(tmp_path, value: str, image: bytes | None = None):
    """A copy of the rules whose luton.toml names ``value`` as its logo (written as logos/luton.png)."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "logos").mkdir()
    (rules / "logos" / "luton.png").write_bytes(png(400, 100) if image is None else image)
    toml = rules / "luton.toml"
    toml.write_text(toml.read_text().replace("[council]\n", f'[council]\nlogo = {{ value = "{value}", {CITE} }}\n', 1))
    return rules


def test_a_logo_is_drawn_on_page_one_in_the_logo_area_in_both_formats(tmp_path):
    rules = rules_with_logo(tmp_path, "logos/luton.png")
    assert invoke("rules", "validate", rules=rules).exit_code == 0
    outbox = tmp_path / "outbox"
    assert invoke("render", "--case-file", str(EXAMPLES / CASE), "--as-of", "2026-11-20", outbox=outbox,
                  rules=rules).exit_code == 0
    drafts = outbox / "LBC-2026-0470" / "drafts"
    for pdf_path in drafts.glob("*.pdf"):
        _, _, images = read_pages(pdf_path.read_bytes())
        # 400 x 100 pixels scaled to fit 110 x 23 mm: 23 mm down by 92 mm across (23 x 4), from the
        # page's top left corner of the logo area (15 mm across, 5.5 mm down).
        assert len(images) == 1, pdf_path.name
        page, (x0, top, x1, bottom) = images[0]
        assert page == 1 and LOGO.holds(images[0][1])
        assert (round(x0, 1), round(top, 1), round(x1 - x0, 1), round(bottom - top, 1)) == (15.0, 5.5, 92.0, 23.0)
    for docx_path in drafts.glob("*.docx"):
        section = Document(io.BytesIO(docx_path.read_bytes())).sections[0]
        first = section.first_page_header.part
        pictures = [r for r in first.rels.values() if r.reltype.endswith("/image")]
        assert len(pictures) == 1 and pictures[0].target_part.blob == png(400, 100)
        extent = first.element.xpath(".//wp:extent")[0]
        assert (int(extent.get("cx")), int(extent.get("cy"))) == (92 * 36000, 23 * 36000)  # EMU: 36000 a mm
        assert 'descr="Luton Council"' in first.element.xml  # its alt text, as the PDF's
        for other in (section.header.part, section.footer.part, section.part):
            assert not [r for r in other.rels.values() if r.reltype.endswith("/image")]
    # Checked as any letter is: required content in both formats, fit to post.
    assert invoke("approve", "LBC-2026-0470", "2026-11-20_not-accepted_e1", "--by", "Pat Lee", outbox=outbox,
                  rules=rules).exit_code == 0
    result = invoke("check", outbox=outbox, rules=rules)
    assert result.exit_code == 0, result.output
    assert "each carries its required content" in result.output


def test_fit_to_post_names_an_image_outside_the_logo_area(tmp_path, renderer):
    rules = rules_with_logo(tmp_path, "logos/luton.png")
    html = (f"<html lang='en-GB'><head><title>t</title></head><body>"
            f"<img src='{(rules / 'logos' / 'luton.png').as_uri()}' alt='Luton Council' "
            f"style='position: absolute; top: 100mm; width: 40mm; height: 10mm'></body></html>")
    problems = [p for p in layout_problems(renderer.render_pdf(html), postal=False) if "image" in p]
    assert problems == ["page 1: an image outside the logo area (15-125 mm across, 5-30 mm down, page 1): "
                        "105.0-115.0 mm down, 15.0-55.0 mm across."]  # 100 mm below the 5 mm margin


@pytest.mark.parametrize("value, sentence", [
    ("../luton.png", "council.logo: expected a PNG or JPEG file inside {rules} (a relative path, no '..', no link "
                     "leading out); got '../luton.png'."),
    ("/etc/luton.png", "council.logo: expected a PNG or JPEG file inside {rules} (a relative path, no '..', no link "
                       "leading out); got '/etc/luton.png'."),
    ("logos/out.png", "council.logo: expected a PNG or JPEG file inside {rules} (a relative path, no '..', no link "
                      "leading out); got 'logos/out.png'."),
    ("logos/missing.png", "council.logo: the file 'logos/missing.png' does not exist; expected a PNG or JPEG image "
                          "of at most 2 MB."),
    ("logos/luton.gif", "council.logo: expected a .png, .jpg or .jpeg file; got 'logos/luton.gif'."),
    ("logos/text.png", "council.logo: the file 'logos/text.png' is not a whole PNG or JPEG image; expected a PNG or "
                       "JPEG image of at most 2 MB."),
    ("logos/big.png", "council.logo: the file 'logos/big.png' is 3072 KB, more than a logo's 2 MB; expected a PNG "
                      "or JPEG image of at most 2 MB."),
])
def test_rules_validate_refuses_a_logo_it_cannot_use_in_one_sentence(tmp_path, value, sentence):
    rules = rules_with_logo(tmp_path, value)
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png(10, 10))
    (rules / "logos" / "out.png").symlink_to(outside)  # a link that leads out of the rules folder
    (rules / "logos" / "luton.gif").write_bytes(b"GIF89a")
    (rules / "logos" / "text.png").write_text("not an image")
    (rules / "logos" / "big.png").write_bytes(png(10, 10) + b"\0" * (3 * 1024 * 1024 - len(png(10, 10))))
    result = invoke("rules", "validate", rules=rules)
    assert result.exit_code == 1
    assert f"{rules / 'luton.toml'}: {sentence.format(rules=rules)}" in result.output
    assert "Traceback" not in result.output


def test_no_bundled_council_names_a_logo():
    """No real logo to cite: the five councils' rules name none (a council adds its own)."""
    assert not [p.name for p in RULES.glob("*.toml") if "logo" in p.read_text()]


def test_a_letter_without_a_logo_draws_no_image(tmp_path):
    outbox = tmp_path / "outbox"
    assert invoke("render", "--case-file", str(EXAMPLES / CASE), "--as-of", "2026-11-20", outbox=outbox).exit_code == 0
    for pdf_path in (outbox / "LBC-2026-0470" / "drafts").glob("*.pdf"):
        assert read_pages(pdf_path.read_bytes())[2] == []
