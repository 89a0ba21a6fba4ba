"""The web pages at speed: the diary page and the case page read the due index (nothing is worked out again
per request unless it changed), and a diary of hundreds of letters is shown a page at a time."""

from __future__ import annotations

import json

import pytest
from conftest import make
from web_helpers import served, sign_in

from correspondence.service import case_store, ledger


@pytest.fixture
def client(tmp_path):
    app = served(tmp_path)
    outbox = app.config["OUTBOX"]
    # 230 more Telford cases received Mon 2 Nov 2026: each acknowledgement due Wed 4 Nov (Tue 3 = 1,
    # Wed 4 = 2), overdue on Fri 20 Nov; with the three of web_helpers, 233 letters.
    for n in range(230):
        record = make(case_id=f"TWC-BULK-{n:03d}", received="2026-11-02")
        case_store.save(outbox, record["case_id"], json.dumps(record).encode())
    ledger.connect(outbox).close()  # a ledger there from the start (a new ledger counts every case again)
    client = app.test_client()
    sign_in(client, "casey")
    return client


def test_the_diary_and_case_pages_work_out_nothing_again_while_nothing_changes(client, worked_out):
    assert client.get("/").status_code == 200
    assert len(set(worked_out)) == 233
    worked_out.clear()
    for _ in range(3):
        assert client.get("/").status_code == 200
        assert client.get("/cases/TWC-BULK-007").status_code == 200
    assert worked_out == []


def test_a_letter_issued_shows_at_once_and_works_out_its_case_alone(client, worked_out, tmp_path):
    from datetime import date

    client.get("/")
    worked_out.clear()
    conn = ledger.connect(tmp_path / "outbox")
    ledger.record(conn, "TWC-BULK-007", "acknowledgement", 1, "complaint", date(2026, 11, 4), "email", "stem")
    conn.close()
    page = client.get("/?q=TWC-BULK-007").text
    assert "No letter matches the filters." in page
    assert set(worked_out) == {"TWC-BULK-007"}


def test_the_diary_shows_a_hundred_letters_a_page_and_keeps_the_filters_in_its_page_links(client):
    first = client.get("/").text
    assert "233 letters" in first and "Showing 1 to 100" in first
    assert first.count('<tr class="govuk-table__row">') == 101  # the head's row and a hundred letters
    assert 'href="/?page=2"' in first and "Page 2 of 3" in first
    last = client.get("/?page=3").text
    assert "Showing 201 to 233" in last and last.count('<tr class="govuk-table__row">') == 34
    assert 'href="/?page=2"' in last and "Page 4" not in last
    assert "Showing 201 to 233" in client.get("/?page=99").text  # past the end: the last page
    assert "Showing 1 to 100" in client.get("/?page=nonsense").text
    filtered = client.get("/?council=telford-wrekin&status=overdue").text
    # Overdue Telford letters: TWC-OLD and the 230 (TWC-NEW is due Mon 23 Nov, not overdue).
    assert "231 letters matching the filters" in filtered
    assert 'href="/?council=telford-wrekin&amp;status=overdue&amp;page=2"' in filtered
