"""Reading letters back as a recipient would: the .docx with python-docx (body, tables, headers,
footers), the .pdf with pypdf."""

from __future__ import annotations

import io
import re

from docx import Document
from pypdf import PdfReader


def _paragraphs(container) -> list[str]:
    out = [p.text for p in container.paragraphs]
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                out.extend(_paragraphs(cell))
    return out


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = _paragraphs(doc)
    for section in doc.sections:
        parts += _paragraphs(section.header) + _paragraphs(section.footer)
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """White space folded, so a phrase wrapped across lines still matches."""
    return re.sub(r"\s+", " ", text).strip()
