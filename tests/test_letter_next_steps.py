"""What happens next, with the date or the period the policy gives for it (review F8, F10). Each test reads
the rendered letter back in both formats (Word and PDF), white space folded."""

from datetime import date

import pytest
from conftest import ev, make

from correspondence.engine.case import case_from_record
from correspondence.engine.due import determine
from correspondence.letters.content_check import docx_text, flat, pdf_text
from correspondence.letters.context import build_context, reply_period, reply_sentence

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
