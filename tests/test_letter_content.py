"""What the letters say (letters.md, "Common items", "Writing to a representative", the
escalation-refusal and outcome rows, Formats: large print), and checks that do not cry wolf."""

from datetime import date

import pytest
from conftest import ROOT, ev, make

from correspondence.engine.case import case_from_record
from correspondence.engine.due import determine
from correspondence.engine.required_content import required_items
from correspondence.letters.content_check import check_texts, compact, docx_text, flat, pdf_text
from correspondence.letters.context import build_context, keep_together, salutation, window_lines
from correspondence.letters.render import Renderer

DECISION = {"outcome": "not-upheld", "findings": [{"point": "Bins missed", "finding": "The crew missed one street."}],
            "remedies": [], "outstanding_actions": []}


@pytest.fixture(scope="module")
def renderer():
    return Renderer(ROOT / "templates")


def letter_of(book, rec, as_of, kind, stage=None):
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(rec, "record.json", councils)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    day = date.fromisoformat(as_of)
    result = determine(case, policy, (), day)
    letter = next(x for x in result.letters if x.letter == kind and (stage is None or x.stage == stage))
    return build_context(case, policy, result, letter, day)


def both(renderer, council, kind, ctx):
    r = renderer.render(council, kind, ctx)
    return flat(docx_text(r.docx)), flat(pdf_text(r.pdf)), r


# --------------------------------------------------------------------------- escalation refusal

def test_an_out_of_window_refusal_gives_the_councils_reasons_not_the_complainants(book, renderer):
    # Telford: stage 1 response decided Tue 3 Nov 2026, sent by email (deemed received that day);
    # the window is 20 WD from it: 4-6 Nov (3), 9-13 (8), 16-20 (13), 23-27 (18), 30 Nov-1 Dec (20) -> Tue 1 Dec.
    rec = make("telford-wrekin", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
        ev("l1", "letter_issued", "2026-11-03", letter="outcome", stage=1, trigger="d1", delivery="email"),
        ev("r2", "escalation_request", "2026-12-10", to_stage=2, reasons=["I was away on holiday"])])
    ctx = letter_of(book, rec, "2026-12-10", "escalation-refusal")
    assert ctx["refusal"]["out_of_window"] and ctx["refusal"]["reasons"] == []
    word, pdf, _ = both(renderer, "telford-wrekin", "escalation-refusal", ctx)
    for text in (word, pdf):
        assert ("Our reasons Our complaints policy asks for a stage 2 review to be requested within 20 working days "
                "of receiving our stage 1 response. That time ended on 1 December 2026. The request reached us on "
                "10 December 2026, after that time had ended.") in text
        # the complainant's reason is theirs, acknowledged as such after the council's
        assert "You told us: I was away on holiday" in text
        assert text.index("Our reasons") < text.index("You told us")


def test_a_refusal_for_the_councils_own_reasons_lists_them(book, renderer):
    rec = make("telford-wrekin", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
        ev("r2", "escalation_request", "2026-11-10", to_stage=2, reasons=["I disagree"]),
        ev("x2", "escalation_refused", "2026-11-12", to_stage=2, reasons=["Stage 1 answered every point in full"])])
    ctx = letter_of(book, rec, "2026-11-12", "escalation-refusal")
    word, pdf, _ = both(renderer, "telford-wrekin", "escalation-refusal", ctx)
    for text in (word, pdf):
        assert "Our reasons Stage 1 answered every point in full" in text
        assert "I disagree" not in text


# --------------------------------------------------------------------------- representatives

REP = {"relationship": "mp", "address": ["House of Commons", "London", "SW1A 0AA"], "written_consent": "2026-11-01"}


@pytest.mark.parametrize("rep,expected", [
    ({"name": "Cllr Jo Bloggs", "title": "Councillor", "given_name": "Jo", "family_name": "Bloggs"}, "Dear Councillor Bloggs"),
    ({"name": "Sarah Jones MP"}, "Dear Sarah Jones"),
    ({"name": "Sarah Jones MP", "salutation": "Dear Ms Jones"}, "Dear Ms Jones"),
    ({"name": "Dr A Patel OBE"}, "Dear Dr A Patel"),
])
def test_a_representative_is_greeted_as_letters_md_says(rep, expected):
    assert salutation(rep) == expected


def test_a_letter_to_a_representative_is_about_the_complainants_complaint(book, renderer):
    rec = make("solihull", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)],
               representative={**REP, "name": "Sarah Jones MP", "title": "Ms", "family_name": "Jones"})
    ctx = letter_of(book, rec, "2026-11-10", "outcome")
    word, pdf, _ = both(renderer, "solihull", "outcome", ctx)
    for text in (word, pdf):
        assert "Dear Ms Jones," in text and "Dear Sarah Jones MP" not in text
        assert "Complaint made on behalf of Ms Aisha Khan" in text
        assert "This is our response to Ms Khan's complaint at stage 1" in text
        assert "your complaint" not in text
        # who may escalate, in one plain sentence naming each person once (docs/letters.md, "Letters a manager signs unedited")
        assert ("If this response does not resolve the complaint, you can ask us to consider it at stage 2 of our "
                "complaints procedure on Ms Khan's behalf, or Ms Khan can ask us directly.") in text
        assert ("You can contact the Ombudsman on Ms Khan's behalf, or Ms Khan can contact them directly:") in text
        assert "you or Ms Khan" not in text and "or you on Ms Khan's behalf" not in text


def test_an_acknowledgement_to_a_representative_names_the_complaint_they_made(book, renderer):
    rec = make("warwickshire", "2026-11-02", representative={**REP, "name": "Sarah Jones MP"})
    ctx = letter_of(book, rec, "2026-11-02", "acknowledgement")
    word, pdf, _ = both(renderer, "warwickshire", "acknowledgement", ctx)
    for text in (word, pdf):
        assert "Dear Sarah Jones," in text
        assert "Thank you for the complaint you made on behalf of Ms Aisha Khan, which we received on 2 November 2026." in text


# --------------------------------------------------------------------------- reachable contacts, record text

def test_asking_the_reader_to_write_always_gives_an_address(book, renderer):
    rec = make("solihull", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)])
    ctx = letter_of(book, rec, "2026-11-10", "outcome")
    # Solihull prints no contact for its Corporate Complaints Team: its rules cite the council's
    # published postal address (letters.md, Every letterhead is reachable), and letters use it.
    word, pdf, _ = both(renderer, "solihull", "outcome", ctx)
    for text in (word, pdf):
        assert ("Please write to the Corporate Complaints Team, Solihull Council, Council House, Manor Square, "
                "Solihull, B91 3QB, quoting T-1") in text
        assert "write to the Corporate Complaints Team, quoting" not in text  # a team name alone is no contact
    rec = make("hampshire", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)])
    word, pdf, _ = both(renderer, "hampshire", "outcome", letter_of(book, rec, "2026-11-10", "outcome"))
    for text in (word, pdf):
        assert "Please write to the Corporate Complaints Team at Corporate.complaints.team@hants.gov.uk, quoting T-1" in text


def test_the_organisation_in_the_record_is_the_sender(book, renderer):
    org = {"name": "Brookfield Borough Council", "team": "Complaints Team", "email": "complaints@brookfield.example.org",
           "address": ["Civic Centre", "Brook Street", "Brookfield", "BF2 3BB"], "phone": "01234 000111"}
    rec = make("code-2024", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)], organisation=org)
    ctx = letter_of(book, rec, "2026-11-10", "outcome")
    word, pdf, r = both(renderer, "code-2024", "outcome", ctx)
    for text in (word, pdf):
        assert "Brookfield Borough Council" in text and "Complaint Handling Code" not in text
        assert "Please write to the Complaints Team at complaints@brookfield.example.org" in text


def test_a_service_area_reads_as_english_whatever_it_holds(book, renderer):
    rec = make("warwickshire", "2026-11-02", service_area="Registration Service")
    word, pdf, _ = both(renderer, "warwickshire", "acknowledgement", letter_of(book, rec, "2026-11-02", "acknowledgement"))
    for text in (word, pdf):
        assert "It concerns our service: Registration Service." in text
        assert "about Registration Service" not in text


@pytest.mark.parametrize("council,expected", [("hampshire", True), ("solihull", True), ("warwickshire", False),
                                              ("luton", False)])
def test_stage_1_outcomes_with_the_ombudsman_say_it_expects_the_procedure_finished(book, renderer, council, expected):
    rec = make(council, "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)])
    ctx = letter_of(book, rec, "2026-11-10", "outcome")
    word, pdf, _ = both(renderer, council, "outcome", ctx)
    sentence = "the Ombudsman normally expects our complaints procedure to be completed before it looks at a complaint"
    assert (sentence in word, sentence in pdf) == (expected, expected)
    assert any("normally expects" in i["text"] for i in required_items(ctx, book.required_content)) == expected


def test_a_large_print_letter_does_not_offer_large_print(book, renderer):
    rec = make("luton", "2026-11-02", complainant={"format_needs": ["large-print"]})
    word, pdf, _ = both(renderer, "luton", "acknowledgement", letter_of(book, rec, "2026-11-02", "acknowledgement"))
    for text in (word, pdf):
        assert "We can provide this letter in Braille, audio or easy read, or in another language." in text
        assert "large print" not in text
    rec = make("luton", "2026-11-02")
    word, pdf, _ = both(renderer, "luton", "acknowledgement", letter_of(book, rec, "2026-11-02", "acknowledgement"))
    assert "We can provide this letter in large print, Braille" in word and "in large print, Braille" in pdf


def test_postcodes_phone_numbers_and_dates_never_break():
    kept = keep_together(["PO Box 1484, Unit D, Preston, PR2 0ET", "Call 0300 061 0614", "by 18 December 2026"])
    assert kept == ["PO Box 1484, Unit D, Preston, PR2\u00a00ET", "Call 0300\u00a0061\u00a00614", "by 18\u00a0December\u00a02026"]


def test_the_envelope_window_keeps_the_name_and_postcode_on_their_own_lines():
    lines = ["Ms Aisha Khan", "Flat 2", "12 High Street", "Wellington", "Telford", "Shropshire", "TF1 1AA"]
    # the shortest neighbouring address lines are joined first
    assert window_lines(lines, 6) == ["Ms Aisha Khan", "Flat 2", "12 High Street", "Wellington, Telford", "Shropshire", "TF1 1AA"]
    assert window_lines(lines, 4) == ["Ms Aisha Khan", "Flat 2, 12 High Street", "Wellington, Telford, Shropshire", "TF1 1AA"]
    assert window_lines(lines[:4] + ["TF1 1AA"], 6) == ["Ms Aisha Khan", "Flat 2", "12 High Street", "Wellington", "TF1 1AA"]


# --------------------------------------------------------------------------- checks that do not cry wolf

def test_required_text_is_found_however_the_pdf_wraps_it():
    manifest = {"case_id": "T-1", "letter": "outcome", "stage": 1, "trigger": "d1", "required_content": [
        {"item": "council name", "text": "Telford & Wrekin Council", "cite": "c"},
        {"item": "recipient name", "text": "Ms Ann Fotheringham-Smythe", "cite": "c"},
        {"item": "point 1", "text": "The bins in Holly Close were not emptied on three weeks running", "cite": "c"}]}
    pdf = ("Telford & Wrekin Council\nMs Ann Fotheringham-\nSmythe\nThe bins in Holly Close were not\n"
           "Telford & Wrekin Council · Our reference T-1\nPage 1 of 2\nemptied on three weeks running\n")
    word = "Telford & Wrekin Council\nMs Ann Fotheringham-Smythe\nThe bins in Holly Close were not emptied on three weeks running"
    assert check_texts(manifest, {"docx": word, "pdf": pdf}, {"docx": "a.docx", "pdf": "a.pdf"}, ()) == []
    # ...but text that is really missing is still missed
    assert check_texts(manifest, {"docx": word, "pdf": pdf.replace("Smythe", "")}, {"docx": "a.docx", "pdf": "a.pdf"}, ())


def test_a_long_hyphenated_name_and_a_point_over_a_page_break_pass_their_checks(book, renderer):
    from correspondence.service.issuing import check_rendered

    long_point = ("The council failed to collect the recycling from the communal bins on every one of the "
                  "seven collection days in October, despite three separate reports by residents. ") * 6
    rec = make("warwickshire", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, outcome="upheld",
               findings=[{"point": long_point.strip(), "finding": long_point.strip()}] * 3,
               remedies=[], outstanding_actions=[])],
               complainant={"title": "Mrs", "given_name": "Annabel-Louise", "family_name": "Fotheringham-Smythe"},
               complaint={"summary": long_point.strip(), "points": [long_point.strip()] * 3})
    ctx = letter_of(book, rec, "2026-11-10", "outcome")
    r = renderer.render("warwickshire", "outcome", ctx)
    manifest = {"case_id": "T-1", "letter": "outcome", "stage": 1, "trigger": "d1", "large_print": False,
                "files": {"docx": "a.docx", "pdf": "a.pdf"}, "required_content": required_items(ctx, book.required_content)}
    assert len(pdf_text(r.pdf).split("Page ")) > 2  # it runs over pages
    assert check_rendered(manifest, r, book.retired) == []
    assert compact("Mrs Annabel-Louise Fotheringham-Smythe") in compact(pdf_text(r.pdf))
