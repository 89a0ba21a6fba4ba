"""Vendor GOV.UK Frontend and MOJ Frontend's compiled files into ``correspondence/web/static/``.

Run by a maintainer when moving to a new version (never at install or at run time):

    python -m correspondence.maintainer.vendor_frontend [GOVUK.tgz MOJ.tgz]

Without arguments it runs ``npm pack`` for the pinned versions below. It keeps the compiled CSS
and JavaScript and the images the CSS draws, with each package's licence, and changes the CSS in
two ways only (so that a council's service is not dressed as GOV.UK): the GDS Transport
``@font-face`` rules and the font's name in each font stack are taken out (the pages are in
Arial, the next font in the stack), and the asset paths ``/assets/`` point to where the files
are served (``/static/govuk/assets/``, ``/static/moj/assets/``). No crown, crest or GOV.UK icon
is kept.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

GOVUK_VERSION = "6.3.0"
MOJ_VERSION = "11.1.0"
STATIC = Path(__file__).resolve().parents[1] / "web" / "static"

MIT = """The MIT License (MIT)

Copyright (C) {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""
HOLDERS = {"govuk": "2017 Crown Copyright (Government Digital Service)", "moj": "2021 dxw"}
FONT_FACE = re.compile(r"@font-face\{font-family:\"?GDS Transport\"?;[^}]*\}")
FONT_NAME = re.compile(r"\"?GDS Transport\"?,")
# Images the CSS draws that are kept (the crown and crests are not).
CROWNS = re.compile(r"crown|crest|logotype|govuk-icon|favicon|opengraph|apple-touch", re.IGNORECASE)


def restyle(css: str, assets: str) -> str:
    css = FONT_FACE.sub("", css)
    css = FONT_NAME.sub("", css)
    if "GDS Transport" in css:
        raise SystemExit("the CSS still names GDS Transport after the rewrite: check the patterns")
    return re.sub(r"url\(/assets/", f"url({assets}", css)


def npm_pack(spec: str, folder: Path) -> Path:
    out = subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, check=True, capture_output=True, text=True)
    return folder / out.stdout.strip().splitlines()[-1]


def unpack(tgz: Path, folder: Path) -> Path:
    with tarfile.open(tgz) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package"


def vendor(govuk_tgz: Path, moj_tgz: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        govuk = unpack(govuk_tgz, Path(tmp) / "govuk") / "dist" / "govuk"
        moj = unpack(moj_tgz, Path(tmp) / "moj") / "moj"
        for name, src, css, js in (("govuk", govuk, "govuk-frontend.min.css", "govuk-frontend.min.js"),
                                   ("moj", moj, "moj-frontend.min.css", "moj-frontend.min.js")):
            dest = STATIC / name
            shutil.rmtree(dest, ignore_errors=True)
            (dest / "assets" / "images").mkdir(parents=True)
            text = restyle((src / css).read_text(encoding="utf-8"), f"/static/{name}/assets/")
            text = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", text)
            (dest / css).write_text(text, encoding="utf-8")
            code = (src / js).read_text(encoding="utf-8")
            (dest / js).write_text(re.sub(r"//# sourceMappingURL=\S+", "", code), encoding="utf-8")
            drawn = set(re.findall(r"url\(/static/" + name + r"/assets/images/([^)]+)\)", text))
            for image in sorted(drawn):
                if not CROWNS.search(image) and (src / "assets" / "images" / image).is_file():
                    shutil.copy(src / "assets" / "images" / image, dest / "assets" / "images" / image)
            (dest / "LICENCE.txt").write_text(MIT.format(holder=HOLDERS[name]), encoding="utf-8")
    sums = "\n".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(STATIC)}"
                     for p in sorted(STATIC.rglob("*")) if p.is_file() and p.parts[-2:] != ("static", "SHA256SUMS")
                     and p.relative_to(STATIC).parts[0] in ("govuk", "moj"))
    (STATIC / "SHA256SUMS").write_text(sums + "\n", encoding="utf-8")


def main(argv: list[str]) -> None:
    if len(argv) == 2:
        vendor(Path(argv[0]), Path(argv[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vendor(npm_pack(f"govuk-frontend@{GOVUK_VERSION}", folder),
               npm_pack(f"@ministryofjustice/frontend@{MOJ_VERSION}", folder))


if __name__ == "__main__":
    main(sys.argv[1:])
