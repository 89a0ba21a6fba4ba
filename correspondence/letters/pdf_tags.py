"""Table header cells in a tagged PDF carry a scope (PDF/UA-1, Matterhorn 15-003).

WeasyPrint tags ``<th>`` as a TH structure element and links data cells to it by ID and
Headers, but writes no Scope attribute. :func:`scope_table_headers`, given to WeasyPrint as the
PDF's finisher, adds one to each TH: Column for a header in a row of headers only, Row for a
header that starts a row of data. :func:`table_headers` reads them back (for the tests).
"""

from __future__ import annotations

import io


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    kids = kids.get_object()
    items = kids if isinstance(kids, list) else [kids]
    out = []
    for kid in items:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get") and kid.get("/S") is not None:
            out.append(kid)
    return out


def _walk(element, parent=None):
    yield element, parent
    for kid in _kids(element):
        yield from _walk(kid, element)


def table_headers(data: bytes) -> list[str | None]:
    """The Scope of every TH element in the PDF's structure tree (None where it has none)."""
    from pypdf import PdfReader

    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    tree = root.get("/StructTreeRoot")
    if tree is None:
        return []
    scopes = []
    for element, _ in _walk(tree.get_object()):
        if element.get("/S") == "/TH":
            attributes = element.get("/A")
            attributes = attributes.get_object() if attributes is not None else {}
            scope = attributes.get("/Scope") if hasattr(attributes, "get") else None
            scopes.append(str(scope).lstrip("/") if scope is not None else None)
    return scopes


def scope_table_headers(document, pdf) -> None:
    """A WeasyPrint finisher (``write_pdf(finisher=...)``): a Scope on every TH structure element
    of the PDF about to be written, Column for a header in a row of headers only, Row for a header
    that starts a row of data. It changes WeasyPrint's own objects, so nothing is parsed again."""
    objects = pdf.objects

    def referred(reference):
        if isinstance(reference, bytes):
            reference = reference.decode("ascii")
        if not isinstance(reference, str) or not reference.endswith(" R"):
            return None  # a marked-content id, not an object
        number = int(reference.split()[0])
        found = objects[number] if 0 <= number < len(objects) else None
        return found if isinstance(found, dict) else None

    for element in objects:
        if not isinstance(element, dict) or element.get("S") != "/TH":
            continue
        parent = referred(element.get("P"))
        row = [kid.get("S") for kid in map(referred, parent.get("K", ()) if parent else ()) if kid is not None]
        attributes = element.get("A")
        if not isinstance(attributes, dict):
            import pydyf
            attributes = element["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = "/Column" if row and all(s == "/TH" for s in row) else "/Row"
