"""Table header cells in a tagged PDF carry a scope (PDF/UA-1, Matterhorn 15-003).

WeasyPrint tags ``<th>`` as a TH structure element and links data cells to it by ID and
Headers, but writes no Scope attribute. :func:`add_table_scopes` adds one to each TH: Column for
a header in a row of headers only, Row for a header that starts a row of data. :func:`table_headers`
reads them back (for the checks and the tests).
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


def add_table_scopes(data: bytes) -> bytes:
    """``data`` with a Scope on every TH structure element (unchanged if it has none)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter(clone_from=io.BytesIO(data))
    tree = writer._root_object.get("/StructTreeRoot")
    if tree is None:
        return data
    changed = False
    for element, parent in _walk(tree.get_object()):
        if element.get("/S") != "/TH":
            continue
        row = [k.get("/S") for k in _kids(parent)] if parent is not None else []
        scope = "/Column" if all(s == "/TH" for s in row) else "/Row"
        attributes = element.get("/A")
        attributes = attributes.get_object() if attributes is not None else None
        if not isinstance(attributes, DictionaryObject):
            attributes = DictionaryObject({NameObject("/O"): NameObject("/Table")})
            element[NameObject("/A")] = attributes
        attributes[NameObject("/Scope")] = NameObject(scope)
        changed = True
    if not changed:
        return data
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
