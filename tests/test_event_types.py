"""One table of event types (correspondence/engine/walk EVENT_TYPES): the record format's schema,
the walk's order and handlers and docs/record-format.md agree with it, and a type the schema has but
the table lacks is one plain sentence from the command, never a traceback."""

import json

from conftest import EXAMPLES, ROOT, invoke

from correspondence.engine import walk
from correspondence.engine.walk import EVENT_ORDER, EVENT_TYPES, HANDLERS, WHILE_CLOSED
from correspondence.maintainer import docs_build

SCHEMA = ROOT / "correspondence" / "engine" / "schema" / "complaint-case-1.schema.json"


def test_the_table_holds_each_type_of_the_schema_once():
    enum = json.loads(SCHEMA.read_text(encoding="utf-8"))["properties"]["events"]["items"]["properties"]["type"]["enum"]
    assert sorted(EVENT_ORDER) == sorted(enum)
    assert len(set(EVENT_ORDER)) == len(EVENT_ORDER)


def test_every_type_is_walked_or_says_what_reads_it():
    for event_type in EVENT_TYPES:
        assert event_type.words, event_type.name
        assert callable(event_type.handler) or event_type.read_by, event_type.name
    assert set(HANDLERS) <= set(EVENT_ORDER) and WHILE_CLOSED <= set(HANDLERS)
    # The conduct letters and a reopening still count once the complaint is closed; nothing else does.
    assert WHILE_CLOSED == {"reopened", "behaviour_warning", "restriction", "restriction_review"}


def test_the_record_format_page_tells_each_type_in_the_tables_words():
    page = (ROOT / "docs" / "record-format.md").read_text(encoding="utf-8")
    assert page == docs_build.record_format_page()
    for event_type in EVENT_TYPES:
        assert f"### `{event_type.name}`\n\n{event_type.words}\n" in page


def test_a_type_in_the_schema_but_not_in_the_table_is_one_sentence(tmp_path, monkeypatch):
    # As if `withdrawn` had been added to the schema alone: the record is valid, the walk cannot read it.
    monkeypatch.setattr(walk, "EVENT_ORDER", [name for name in EVENT_ORDER if name != "withdrawn"])
    record = json.loads((EXAMPLES / "twc-2026-0142.json").read_text(encoding="utf-8"))
    record["events"] = [{"id": "w1", "type": "withdrawn", "date": "2026-11-05", "method": "email"}]
    path = tmp_path / "w.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    result = invoke("due", "--case-file", str(path), "--as-of", "2026-11-20", outbox=tmp_path / "outbox")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: field events[0].type: 'withdrawn' is an event type of the record format that the engine does not "
        f"read; add it to EVENT_TYPES in correspondence/engine/walk/__init__.py."]
