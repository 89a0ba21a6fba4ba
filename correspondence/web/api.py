"""The JSON API for case systems: bearer tokens only."""

from __future__ import annotations

from flask import Flask, abort, g, jsonify, request

from correspondence.engine.case import MAX_RECORD_BYTES
from correspondence.web import views
from correspondence.web.views import NotFound


def register(app: Flask, state) -> None:
    settings = state.settings

    @app.post("/api/records")
    def api_post_record():
        length = request.content_length
        if length is not None and length > MAX_RECORD_BYTES:
            return _error(413, "The record is larger than 5 MB; expected one case of at most 5 MB.")
        data = request.stream.read(MAX_RECORD_BYTES + 1)
        if len(data) > MAX_RECORD_BYTES:
            return _error(413, "The record is larger than 5 MB; expected one case of at most 5 MB.")
        outcome = state.intake().submit(data, g.client, state.as_of())
        if outcome.status == "unavailable":
            response = _error(503, " ".join(outcome.sentences))
            response.headers["Retry-After"] = "60"
            return response
        if outcome.status == "rejected":
            return _error(422, " ".join(outcome.sentences))
        body = {"case_id": outcome.case_id, "accepted": True, "letters": outcome.letters}
        if outcome.failed_checks:
            body["failed_checks"] = outcome.failed_checks
        return jsonify(body)

    @app.get("/api/cases/<case_id>/due")
    def api_case_due(case_id: str):
        book = state.book()
        try:
            case = views.load_case(book, settings.outbox, case_id)
        except NotFound:
            abort(404)
        result, signed = views.with_signoff(settings.outbox, case,
                                            views.determine_case(book, settings.outbox, case, state.as_of()))
        out = result.to_json()
        out["letters"] = [{**x.to_json(), **signed.get((x.letter, x.stage, x.trigger), {})} for x in result.letters]
        return jsonify(out)

    @app.get("/api/diary")
    def api_diary():
        d = views.diary(state.book(), settings.outbox, state.as_of(), settings.templates)
        return jsonify(views.diary_json(d, settings.outbox))


def _error(code: int, sentence: str):
    response = jsonify({"error": sentence})
    response.status_code = code
    return response
