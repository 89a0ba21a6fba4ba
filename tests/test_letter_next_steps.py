"""What happens next, with the date or the period the policy gives for it (review F8, F10), and a
line in the reader's own language when they asked for a translation (review F11). Each test reads
the rendered letter back in both formats (Word and PDF), white space folded."""

import io
import shutil
import zipfile
from datetime import date

import pytest
from conftest import ROOT, ev, make

from correspondence.engine.case import case_from_record
from correspondence.engine.due import determine
from correspondence.letters.content_check import docx_text, flat, pdf_text
from correspondence.letters.context import build_context, reply_period, reply_sentence
from correspondence.letters.render import Renderer, TemplateProblem

DECISION = {"outcome": "not-upheld", "findings": [{"point": "Bins missed", "finding": "The crew missed one street."}],
            "remedies": [], "outstanding_actions": []}


def context_of(book, rec, as_of, kind, stage=None):
    councils = {c: book.procedures(c) for c in book.councils}
    case = case_from_record(rec, "record.json", councils)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    day = date.fromisoformat(as_of)
    result = determine(case, policy, (), day)
    letter = next(x for x in result.letters if x.letter == kind and (stage is None or x.stage == stage))
    return build_context(case, policy, result, letter, day)


def both(renderer, rec, ctx):
    r = renderer.render(rec["council"], ctx["letter"]["kind"], ctx)
    return flat(docx_text(r.docx)), flat(pdf_text(r.pdf))


def render(book, renderer, rec, as_of, kind, stage=None):
    return both(renderer, rec, context_of(book, rec, as_of, kind, stage))


# =========================================================================== F10: the consent request's date

RELATIVE = {"name": "Jo Bloggs", "relationship": "relative", "address": ["1 Market Street", "Telford", "TF1 1AB"],
            "written_consent": None}
COUNCILLOR = {"name": "Cllr Sam Lee", "title": "Cllr", "given_name": "Sam", "family_name": "Lee",
              "relationship": "councillor", "address": ["Town Hall", "George Street", "Luton", "LU1 2BQ"],
              "written_consent": None}


def test_a_consent_request_asks_for_consent_by_the_response_date_and_says_who_gets_the_response(book, renderer):
    # Telford: received Mon 2 Nov 2026; acknowledgement 2 WD: Wed 4 Nov; response 10 WD after it:
    # 5, 6 (2), 9-13 (7), 16, 17, 18 (10) -> Wed 18 Nov 2026. Without consent, letters go to the complainant.
    rec = make("telford-wrekin", "2026-11-02", representative=RELATIVE)
    for text in render(book, renderer, rec, "2026-11-03", "consent-request"):
        assert ("Please contact Sam Patel at sam.patel@example.org, or write to Customer Relationship Team, "
                "Telford & Wrekin Council, Darby House, Lawn Central, Telford, TF3 4JA, to confirm that you are "
                "happy for them to act for you.") in text  # an address to write to, not only an email
        assert ("Please reply by 18 November 2026, the date our response to the complaint is due. If we do not have "
                "your consent by then, we will send our response to you, and not to Jo Bloggs.") in text


def test_lutons_consent_request_says_the_councillor_still_gets_the_response(book, renderer):
    # Luton: received Mon 2 Nov 2026; stage 1 response 15 WD from receipt: 3-6 (4), 9-13 (9),
    # 16-20 (14), 23 (15) -> Mon 23 Nov 2026. Luton §15: letters may go to the councillor meanwhile.
    rec = make("luton", "2026-11-02", representative=COUNCILLOR)
    for text in render(book, renderer, rec, "2026-11-02", "consent-request"):
        assert ("Please reply by 23 November 2026, the date our response to the complaint is due. If we do not have "
                "your consent by then, we will still send our response to Councillor Lee, as our policy allows, but "
                "we will not discuss the complaint with them or share any other information about you.") in text


def test_a_consent_request_written_after_the_response_date_never_gives_a_date_past(book, renderer):
    # The same Luton case written on Wed 25 Nov 2026, after the response date of Mon 23 Nov.
    rec = make("luton", "2026-11-02", representative=COUNCILLOR)
    for text in render(book, renderer, rec, "2026-11-25", "consent-request"):
        assert ("Our response to the complaint was due by 23 November 2026. That date has passed, and I am sorry "
                "that we have not yet responded. Please reply as soon as you can. If we do not have your consent "
                "when we send our response, we will still send it to Councillor Lee, as our policy allows, but we "
                "will not discuss the complaint with them or share any other information about you.") in text
        assert "Please reply by" not in text


# =========================================================================== F8: a reason sent back

def test_an_out_of_window_refusal_says_when_we_will_answer_a_reason(book, renderer):
    # Warwickshire: stage 1 response sent by email Tue 3 Nov 2026 (received that day); window 20 WD:
    # 4-6 (3), 9-13 (8), 16-20 (13), 23-27 (18), 30 Nov, 1 Dec (20) -> Tue 1 Dec. The request came
    # Thu 10 Dec. Warwickshire §3: a refusal to escalate is explained within ten working days.
    rec = make("warwickshire", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
        ev("l1", "letter_issued", "2026-11-03", letter="outcome", stage=1, trigger="d1", delivery="email"),
        ev("r2", "escalation_request", "2026-12-10", to_stage=2)])
    for text in render(book, renderer, rec, "2026-12-10", "escalation-refusal"):
        assert ("If there was a good reason why the request could not be made sooner, please tell the Customer "
                "Relations Team at customerrelations@warwickshire.gov.uk and we will consider it. We will write to "
                "you within 10 working days of hearing from you, either to take the complaint to stage 2 or to "
                "explain why we cannot.") in text


def test_a_refusal_that_quotes_the_reason_says_when_we_will_answer_more(book, renderer):
    # Telford: the same dates; Telford's refusal is due with the stage 2 acknowledgement, 5 WD of a request.
    rec = make("telford-wrekin", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
        ev("l1", "letter_issued", "2026-11-03", letter="outcome", stage=1, trigger="d1", delivery="email"),
        ev("r2", "escalation_request", "2026-12-10", to_stage=2, reasons=["I was in hospital until 8 December"])])
    for text in render(book, renderer, rec, "2026-12-10", "escalation-refusal"):
        assert ("please tell the Customer Relationship Team at customer.relationship@telford.gov.uk. We will write to "
                "you within 5 working days of hearing from you, either to take the complaint to stage 2 or to "
                "explain why we cannot.") in text


@pytest.mark.parametrize("council, team, days", [
    # the not-accepted letter is due the stage 1 acknowledgement's days after the complaint: a reason
    # sent back is answered in the same time (Warwickshire: the Code's 5 WD; Telford 6.9.1: 2 WD)
    ("warwickshire", "the Customer Relations Team at customerrelations@warwickshire.gov.uk", 5),
    ("telford-wrekin", "the Customer Relationship Team at customer.relationship@telford.gov.uk", 2),
])
def test_an_out_of_time_complaint_says_when_we_will_answer_a_reason(book, renderer, council, team, days):
    # First knew Wed 1 Oct 2025, complained Mon 2 Nov 2026: past the 12 months (ended 1 Oct 2026).
    rec = make(council, "2026-11-02", complaint={"first_aware": "2025-10-01"})
    for text in render(book, renderer, rec, "2026-11-02", "not-accepted"):
        assert (f"If there was a good reason why the complaint could not be made sooner, please tell {team} and we "
                f"will consider it. We will write to you within {days} working days of hearing from you, either to "
                f"accept the complaint and tell you when to expect our response, or to explain why we cannot.") in text


def test_with_no_period_in_the_policy_the_letter_says_what_happens_next_without_one(book):
    policy = book.policy_for("telford-wrekin", "corporate")
    assert reply_period(policy, "stage3.escalation_refusal") == ""  # Telford has no stage 3: no clock
    assert reply_period(policy, "stage2.escalation_refusal") == "5 working days"  # same as the acknowledgement
    assert reply_sentence("", "either to take the complaint to stage 3 or to explain why we cannot") == \
        "We will then write to you, either to take the complaint to stage 3 or to explain why we cannot."


# =========================================================================== F11: the reader's own language

def test_a_welsh_reader_is_told_in_welsh_that_the_welsh_letter_is_coming(book, renderer):
    rec = make("telford-wrekin", "2026-11-02", complainant={"format_needs": ["language:cy"]})
    for text in render(book, renderer, rec, "2026-11-02", "acknowledgement"):
        assert ("Byddwn yn anfon y llythyr hwn atoch yn Gymraeg. We will send you this letter in Welsh. "
                "Dear Ms Khan,") in text


def test_a_polish_reader_with_a_regional_code_gets_the_polish_line(book, renderer):
    rec = make("warwickshire", "2026-11-02", [ev("w1", "withdrawn", "2026-11-03", method="phone")],
               complainant={"format_needs": ["language:pl-PL"]})
    for text in render(book, renderer, rec, "2026-11-03", "withdrawal-confirmation"):
        assert ("Wyślemy Państwu ten list w języku polskim. We will send you this letter in Polish (pl-PL). "
                "Dear Ms Khan,") in text


@pytest.mark.parametrize("need, english", [
    ("language:de", "We will send you this letter in German."),          # no German line in the file
    ("language:zh-Hant", "We will send you this letter in Chinese (zh-Hant)."),  # a script of its own: none
])
def test_a_language_without_a_line_gets_the_english_sentence_only(book, renderer, need, english):
    rec = make("telford-wrekin", "2026-11-02", complainant={"format_needs": [need]})
    for text in render(book, renderer, rec, "2026-11-02", "acknowledgement"):
        # nothing between the references (PDF; Word gives page 1's header last) and the sentence
        before = text.split(f"{english} Dear Ms Khan,")[0]
        assert before in ("", before.split("Dealt with by: Sam Patel ")[0] + "Dealt with by: Sam Patel "), before


def test_a_representative_reads_no_line_in_the_complainants_language(book, renderer):
    rep = {**RELATIVE, "written_consent": "2026-11-01"}
    rec = make("telford-wrekin", "2026-11-02", representative=rep, complainant={"format_needs": ["language:pl"]})
    for text in render(book, renderer, rec, "2026-11-02", "acknowledgement"):
        assert "Polish" not in text and "Wyślemy" not in text


def test_an_urdu_line_is_set_right_to_left_in_both_formats(book, renderer):
    rec = make("telford-wrekin", "2026-11-02", complainant={"format_needs": ["language:ur"]})
    ctx = context_of(book, rec, "2026-11-02", "acknowledgement")
    line = "ہم آپ کو یہ خط اردو میں بھیجیں گے۔"
    html = renderer.render_html("telford-wrekin", "acknowledgement", ctx)
    assert f'<p lang="ur" dir="rtl">{line}</p>' in html
    docx = renderer.render("telford-wrekin", "acknowledgement", ctx, ("docx",)).docx
    body = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode("utf-8")
    assert f'<w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:rtl/></w:rPr><w:t xml:space="preserve">{line}</w:t></w:r></w:p>' in body
    welsh = make("telford-wrekin", "2026-11-02", complainant={"format_needs": ["language:cy"]})
    assert 'dir="rtl"' not in renderer.render_html("telford-wrekin", "acknowledgement",
                                                   context_of(book, welsh, "2026-11-02", "acknowledgement"))


def test_a_damaged_translations_file_is_one_sentence_naming_the_file_and_the_language(book, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "translations.toml").write_text('[pl]\nline = ""\n', encoding="utf-8")
    rec = make("telford-wrekin", "2026-11-02", complainant={"format_needs": ["language:pl"]})
    with pytest.raises(TemplateProblem) as err:
        Renderer(templates).render("telford-wrekin", "acknowledgement", context_of(book, rec, "2026-11-02", "acknowledgement"))
    assert str(err.value) == f"{templates / 'translations.toml'}: [pl] needs a line, the sentence in that language as text."
    (templates / "translations.toml").unlink()  # no file at all: the English sentence only
    r = Renderer(templates).render("telford-wrekin", "acknowledgement", context_of(book, rec, "2026-11-02", "acknowledgement"))
    for text in (flat(docx_text(r.docx)), flat(pdf_text(r.pdf))):
        before = text.split("We will send you this letter in Polish. Dear Ms Khan,")[0]
        assert before in ("", before.split("Dealt with by: Sam Patel ")[0] + "Dealt with by: Sam Patel "), before
