"""Letters a complaints manager signs unedited (docs/letters.md, "Letters a manager signs unedited"): what the
Codes ask for, nothing promised that is not there, the right people rightly named, sentences
rather than form fragments. Each test reads the rendered letter back in both formats."""

import json
import shutil
from datetime import date

import pytest
from conftest import RULES, ev, make

from correspondence.engine.case import case_from_record
from correspondence.engine.due import determine
from correspondence.engine.rules import load_rulebook
from correspondence.letters.content_check import docx_text, flat, pdf_text
from correspondence.letters.context import build_context, salutation

DECISION = {"outcome": "not-upheld", "findings": [{"point": "Bins missed", "finding": "The crew missed one street."}],
            "remedies": [], "outstanding_actions": []}
PRIYA = {"name": "Priya Shah", "job_title": "Complaints Manager", "email": "p.shah@example.org"}


def case_of(book, rec):
    councils = {c: book.procedures(c) for c in book.councils}
    return case_from_record(rec, "record.json", councils)


def letter_of(book, rec, as_of, kind, stage=None):
    case = case_of(book, rec)
    policy = book.policy_for(case.council, case.procedure, housing_tenancy=case.housing_tenancy, cse=case.cse)
    day = date.fromisoformat(as_of)
    result = determine(case, policy, (), day)
    letter = next(x for x in result.letters if x.letter == kind and (stage is None or x.stage == stage))
    return build_context(case, policy, result, letter, day)


def both(renderer, rec, ctx):
    """The letter's text as Word and as PDF, white space folded."""
    r = renderer.render(rec["council"], ctx["letter"]["kind"], ctx)
    return flat(docx_text(r.docx)), flat(pdf_text(r.pdf))


def render(book, renderer, rec, as_of, kind, stage=None):
    return both(renderer, rec, letter_of(book, rec, as_of, kind, stage))


# =========================================================================== 1. what the Codes ask for

def test_an_extension_within_the_limit_gives_the_ombudsmans_details(book, renderer):
    # Telford: received Mon 2 Nov 2026; acknowledgement due 2 WD later, Wed 4 Nov; response 10 WD
    # after it, Wed 18 Nov; limit 20 WD after it, Wed 2 Dec. 25 Nov is within the limit, yet
    # Code 2024 para 6.5 asks for the Ombudsman's details in every extension.
    rec = make("telford-wrekin", "2026-11-02", [
        ev("x1", "extension", "2026-11-16", stage=1, reason="We are waiting for the crew's records.", new_due="2026-11-25")])
    for text in render(book, renderer, rec, "2026-11-16", "extension"):
        assert "We will now send our response by 25 November 2026." in text
        assert ("If you are unhappy with this delay, you can contact the Local Government and Social Care Ombudsman "
                "about it now. The Ombudsman may ask us to finish our investigation first. Their details are below.") in text
        assert "by telephone on 0300 061 0614" in text
    housing = make("telford-wrekin", "2026-11-02", [
        ev("x1", "extension", "2026-11-16", stage=1, reason="We are waiting for a surveyor.", new_due="2026-11-25")],
        housing_tenancy=True)
    for text in render(book, renderer, housing, "2026-11-16", "extension"):
        assert ("If you are unhappy with this delay, you do not have to wait for our response: you can contact the "
                "Housing Ombudsman Service now. Their details are below.") in text
        assert "by telephone on 0300 111 3000" in text


LUTON_RESTRICTION = ev("r1", "restriction", "2026-08-03", behaviours=["Abusive telephone calls to staff"],
                       restrictions=["Contact by letter only"], duration_months=12, decided_by="Service Manager")


def test_a_restriction_review_that_keeps_them_gives_the_challenge_route_and_the_ombudsman(book, renderer):
    # Luton: restriction decided 3 Aug 2026 for 12 months (ends 3 Aug 2027); kept at the review of
    # 16 Nov 2026, and reviewed again 3 months later (App. A §21): 16 Feb 2027.
    rec = make("luton", "2026-07-01", [LUTON_RESTRICTION,
                                       ev("v1", "restriction_review", "2026-11-16", outcome="maintained")])
    for text in render(book, renderer, rec, "2026-11-16", "restriction-review"):
        assert ("On 16 November 2026 we reviewed the restrictions we placed on your contact with the council. "
                "We have decided to keep the restrictions. They are: Contact by letter only") in text
        assert "The restrictions will apply until 3 August 2027. We will review them again by 16 February 2027." in text
        assert ("Our postal address is Information Governance Team, Luton Council, Town Hall, George Street, Luton, "
                "LU1 2BQ.") in text
        assert "If you disagree with this decision You have the right to appeal against this decision." in text
        assert ("To appeal, write to the Head of Policy and Performance, Luton Council, Town Hall, George Street, "
                "Luton, LU1 2BQ, quoting T-1.") in text
        assert "The Local Government and Social Care Ombudsman is independent of the council" in text
        assert "by telephone on 0300 061 0614" in text


def test_a_restriction_review_that_lifts_them_says_so_plainly(book, renderer):
    rec = make("luton", "2026-07-01", [LUTON_RESTRICTION,
                                       ev("v1", "restriction_review", "2026-11-16", outcome="lifted")])
    for text in render(book, renderer, rec, "2026-11-16", "restriction-review"):
        assert ("We have decided to lift the restrictions. They end today: from today you may contact us in any of "
                "the usual ways.") in text
        assert "Ombudsman" not in text and "appeal" not in text


def test_a_housing_stage_1_outcome_never_makes_the_resident_give_reasons(book, renderer):
    # HOS Code 6.11-6.13: the resident need not say why they want stage 2.
    rec = make("luton", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)], housing_tenancy=True)
    for text in render(book, renderer, rec, "2026-11-10", "outcome"):
        assert ("If you are not satisfied with this response, you can ask us to consider the complaint at stage 2 of "
                "our complaints procedure. Please write to the Information Governance Team, Luton Council, Town Hall, "
                "George Street, Luton, LU1 2BQ, quoting T-1. It helps us if you tell us what you are unhappy with, but you do not "
                "have to.") in text
        assert "disagree with and why" not in text
    corporate = make("luton", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)])
    for text in render(book, renderer, corporate, "2026-11-10", "outcome"):
        assert "quoting T-1, and tell us which parts of our response you disagree with and why." in text


SIGNPOST = ("If you disagree with our decision, you can ask the Local Government and Social Care Ombudsman to look at "
            "the complaint. The Ombudsman can look at the complaint itself, not only at this decision. Please send the "
            "Ombudsman a copy of this letter. The Ombudsman's 12 months run from when you first knew about the matter, "
            "not from the date of this letter. Their details are below.")


def test_refusals_and_not_accepted_letters_use_the_ombudsmans_signposting(book, renderer):
    refused = make("telford-wrekin", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
        ev("r2", "escalation_request", "2026-11-10", to_stage=2),
        ev("x2", "escalation_refused", "2026-11-12", to_stage=2, reasons=["Stage 1 answered every point in full"])])
    for text in render(book, renderer, refused, "2026-11-12", "escalation-refusal"):
        assert "This decision ends our complaints procedure for your complaint. " + SIGNPOST in text
    excluded = make("telford-wrekin", "2026-11-02", [
        ev("n1", "not_accepted", "2026-11-03", ground="excluded", reasons=["It is a planning appeal"])])
    for text in render(book, renderer, excluded, "2026-11-03", "not-accepted"):
        assert "Our complaints procedure has now ended for your complaint. " + SIGNPOST in text


# =========================================================================== 2. nothing promised that is not there

def issue(book, renderer, rec, as_of, outbox, only):
    """The letter ``only`` as the post room gets it: issued, or drafted and then signed off by a manager
    on the same day (docs/sign-off.md: a restriction notice is a decision a manager signs)."""
    from correspondence.service import case_store, signoff
    from correspondence.service.issuing import issue_due_letters
    day = date.fromisoformat(as_of)
    case_store.save(outbox, rec["case_id"], json.dumps(rec).encode())
    report = issue_due_letters(book, renderer, case_of(book, rec), outbox, day, only=only)
    assert not report.failed, report.failed
    if report.drafted:
        (draft,) = report.drafted
        assert not report.issued and not (outbox / rec["case_id"] / f"{draft.stem}.pdf").exists()
        stem = signoff.approve(book, renderer, outbox, rec["case_id"], draft.stem, "Alex Manager", None, day,
                               today=day).stem
    else:
        (filed,) = report.issued
        stem = filed.stem
    folder = outbox / rec["case_id"]
    manifest = json.loads((folder / f"{stem}.json").read_text())
    texts = [flat(docx_text((folder / f"{stem}.docx").read_bytes())),
             flat(pdf_text((folder / f"{stem}.pdf").read_bytes()))]
    return stem, manifest, texts, folder


RESTRICTION = ev("r1", "restriction", "2026-11-16", behaviours=["Abusive telephone calls to staff"],
                 restrictions=["Telephone calls will not be taken"], duration_months=12, decided_by="Service Manager")


def test_a_policy_luton_must_enclose_is_listed_and_a_caseworker_asked_to_enclose_it(book, renderer, tmp_path):
    # Luton App. A §18: a copy of the policy goes with the decision; the rules give no file or web address.
    rec = make("luton", "2026-11-02", [RESTRICTION])
    stem, manifest, texts, folder = issue(book, renderer, rec, "2026-11-20", tmp_path, "restriction-notice")
    for text in texts:
        assert "A copy of our policy on unreasonable behaviour is enclosed." in text
        assert "Enclosure: a copy of our policy on unreasonable behaviour" in text
    assert manifest["actions_needed"] == ["Enclose a copy of the policy"]
    assert manifest["enclosures"] == [{"title": "A copy of our policy on unreasonable behaviour", "file": None,
                                       "source": None}]
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [f"{stem}.docx", f"{stem}.json", f"{stem}.pdf"]
    assert not any((folder / "drafts").iterdir())  # the signed draft is gone from the drafts folder


def rules_with(tmp_path, value, extra_file=None):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    path = rules / "luton.toml"
    text = path.read_text()
    old = 'behaviour_policy = { value = "",'
    assert old in text
    path.write_text(text.replace(old, f'behaviour_policy = {{ value = "{value}",', 1))
    if extra_file:
        (rules / extra_file[0]).write_bytes(extra_file[1])
    return rules


def test_a_policy_file_in_the_rules_is_copied_beside_the_letter(renderer, tmp_path):
    policy = b"%PDF-1.4 Luton Council: Policy on the Management of Unreasonable Complainant Behaviour\n"
    book = load_rulebook(rules_with(tmp_path, "behaviour-policy.pdf", ("behaviour-policy.pdf", policy)))[0]
    rec = make("luton", "2026-11-02", [RESTRICTION])
    stem, manifest, texts, folder = issue(book, renderer, rec, "2026-11-20", tmp_path / "outbox", "restriction-notice")
    for text in texts:
        assert "A copy of our policy on unreasonable behaviour is enclosed." in text
        assert "Enclosure: a copy of our policy on unreasonable behaviour" in text
    assert (folder / f"{stem}.enclosure.pdf").read_bytes() == policy
    assert manifest["enclosures"] == [{"title": "A copy of our policy on unreasonable behaviour",
                                       "file": f"{stem}.enclosure.pdf", "source": "rules/behaviour-policy.pdf"}]
    assert manifest["actions_needed"] == []


def test_a_policy_on_the_web_is_given_instead_of_enclosed(renderer, tmp_path):
    book = load_rulebook(rules_with(tmp_path, "www.luton.gov.uk/behaviour-policy"))[0]
    rec = make("luton", "2026-11-02", [RESTRICTION])
    stem, manifest, texts, folder = issue(book, renderer, rec, "2026-11-20", tmp_path / "outbox", "restriction-notice")
    for text in texts:
        assert ("You can read our policy on unreasonable behaviour at www.luton.gov.uk/behaviour-policy. "
                "We will post you a copy if you ask.") in text
        assert "enclosed" not in text and "Enclosure" not in text
    assert manifest["enclosures"] == [] and manifest["actions_needed"] == []


def test_a_behaviour_policy_file_that_is_not_there_is_refused(tmp_path):
    rules = rules_with(tmp_path, "missing.pdf")
    problems = load_rulebook(rules, strict=False)[1]
    assert problems == [f"{rules / 'luton.toml'}: council.behaviour_policy: expected a web address or the name of a "
                        f"file in {rules} (not a .json or .toml file), to enclose with the letters; got 'missing.pdf'."]


def test_a_council_that_need_not_enclose_its_policy_offers_a_copy(book, renderer):
    rec = make("warwickshire", "2026-11-02", [RESTRICTION])
    ctx = letter_of(book, rec, "2026-11-20", "restriction-notice")
    assert not ctx["enclosure"]["needs_enclosing"]
    for text in both(renderer, rec, ctx):
        assert ("If you would like a copy of our policy on unreasonable behaviour, please contact Sam Patel at "
                "sam.patel@example.org.") in text
        assert "enclosed" not in text and "Enclosure" not in text


def test_every_letterhead_gives_a_postal_address_and_telephone(book, renderer):
    for council, address, phone in (("luton", "Town Hall, George Street, Luton, LU1 2BQ", "01582 546000"),
                                    ("solihull", "Council House, Manor Square, Solihull, B91 3QB", "0121 704 6000")):
        for text in render(book, renderer, make(council, "2026-11-02"), "2026-11-02", "acknowledgement"):
            assert f"{address} Telephone: {phone}" in text, council


# =========================================================================== 3. the right people, rightly named

STAGE_2 = [ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
           ev("l1", "letter_issued", "2026-11-03", letter="outcome", stage=1, trigger="d1", delivery="email")]


def test_a_stage_2_letter_is_signed_by_that_stages_officer(book, renderer):
    rec = make("telford-wrekin", "2026-10-20", [*STAGE_2, ev("r2", "escalation_request", "2026-11-10", to_stage=2,
                                                              officer=PRIYA)])
    for text in render(book, renderer, rec, "2026-11-10", "acknowledgement", 2):
        assert "Dealt with by: Priya Shah, Complaints Manager" in text
        assert "Priya Shah will look into the complaint." in text
        assert "Yours sincerely, Priya Shah Complaints Manager, Telford & Wrekin Council Email: p.shah@example.org" in text
        assert "Sam Patel" not in text


def test_a_stage_2_letter_without_its_officer_is_signed_by_the_complaints_team(book, renderer):
    rec = make("telford-wrekin", "2026-10-20", [*STAGE_2, ev("r2", "escalation_request", "2026-11-10", to_stage=2)])
    for text in render(book, renderer, rec, "2026-11-10", "acknowledgement", 2):
        assert "Dealt with by: Customer Relationship Team" in text
        assert "Our Customer Relationship Team will look into the complaint." in text
        assert ("Yours sincerely, Customer Relationship Team Telford & Wrekin Council "
                "Email: customer.relationship@telford.gov.uk · Telephone: 01952 382006") in text
        assert "Sam Patel" not in text  # never the stage 1 officer


def test_a_decision_names_the_officer_who_signs_its_outcome(book, renderer):
    rec = make("telford-wrekin", "2026-10-20", [
        *STAGE_2, ev("r2", "escalation_request", "2026-11-10", to_stage=2),
        ev("d2", "decision", "2026-11-24", stage=2, officer={"name": "Tom Reed", "phone": "01952 000777"}, **DECISION)])
    for text in render(book, renderer, rec, "2026-11-24", "outcome", 2):
        assert "Yours sincerely, Tom Reed Telford & Wrekin Council Telephone: 01952 000777" in text
        assert "Sam Patel" not in text


def test_only_the_person_who_made_the_complaint_is_thanked_for_it(book, renderer):
    rep = {"name": "Ms Sarah Jones", "title": "Ms", "family_name": "Jones", "organisation": "Citizens Advice Warwick",
           "relationship": "advice-agency",
           "address": ["10 Priory Road", "Warwick", "CV34 4NA"], "written_consent": None}
    rec = make("warwickshire", "2026-11-02", representative=rep)
    for text in render(book, renderer, rec, "2026-11-02", "acknowledgement"):
        assert ("Ms Sarah Jones of Citizens Advice Warwick has made a complaint to us on your behalf, which we "
                "received on 2 November 2026.") in text
        assert "Thank you for" not in text
    with_consent = make("warwickshire", "2026-11-02", representative={**rep, "written_consent": "2026-11-01"})
    for text in render(book, renderer, with_consent, "2026-11-02", "acknowledgement"):
        assert ("Thank you for the complaint you made on behalf of Ms Aisha Khan, which we received on "
                "2 November 2026.") in text


@pytest.mark.parametrize("person,expected", [
    ({"name": "Cllr Jo Bloggs", "title": "Cllr", "given_name": "Jo", "family_name": "Bloggs"}, "Dear Councillor Bloggs"),
    ({"name": "Cllr Sam Lee"}, "Dear Councillor Lee"),
    ({"title": "Sir", "given_name": "Michael", "family_name": "Holt"}, "Dear Sir Michael"),
    ({"name": "Sir Jeremy Holt KC MP"}, "Dear Sir Jeremy"),
    ({"title": "Dame", "given_name": "Judith", "family_name": "Marsh"}, "Dear Dame Judith"),
    ({"title": "Lord", "given_name": "Alan", "family_name": "Smith"}, "Dear Lord Smith"),
    ({"title": "Lady", "given_name": "Helen", "family_name": "Ward"}, "Dear Lady Ward"),
    ({"title": "The Reverend Canon Dr", "given_name": "Jane", "family_name": "Holt"}, "Dear Dr Holt"),
    ({"title": "Cllr", "family_name": "Bloggs", "salutation": "Dear Jo"}, "Dear Jo"),
])
def test_salutations_follow_the_title(person, expected):
    assert salutation(person) == expected


def test_a_councillors_letter_greets_them_as_councillor(book, renderer):
    rep = {"name": "Cllr Sam Lee", "title": "Cllr", "given_name": "Sam", "family_name": "Lee", "relationship": "councillor",
           "address": ["Town Hall", "George Street", "Luton", "LU1 2BQ"], "written_consent": "2026-11-01"}
    for text in render(book, renderer, make("luton", "2026-11-02", representative=rep), "2026-11-02", "acknowledgement"):
        assert "Dear Councillor Lee," in text and "Cllr" not in text.split("Dear", 1)[1].split(",", 1)[0]


def test_lutons_consent_request_says_what_its_councillor_has_been_sent(book, renderer):
    # Luton Part 1 §15: a constituent's councillor may be given information; more needs consent.
    rep = {"name": "Cllr Sam Lee", "title": "Cllr", "given_name": "Sam", "family_name": "Lee", "relationship": "councillor",
           "address": ["Town Hall", "George Street", "Luton", "LU1 2BQ"], "written_consent": None}
    for text in render(book, renderer, make("luton", "2026-11-02", representative=rep), "2026-11-02", "consent-request"):
        assert ("Because Councillor Lee is your councillor, our policy allows us to reply to them about a complaint "
                "made on your behalf, so the letters we write about this complaint, such as our acknowledgement, "
                "go to them. If you would prefer us not to, please tell us.") in text
        assert ("Anything more, such as discussing the complaint with them or sharing any other information about "
                "you, needs your written consent.") in text
        assert "Until we have your consent, we will write to you directly" not in text


# =========================================================================== 4. sentences, not form fragments

def test_a_restriction_notice_says_who_decided_in_a_sentence(book, renderer):
    rec = make("luton", "2026-11-02", [RESTRICTION])
    for text in render(book, renderer, rec, "2026-11-20", "restriction-notice"):
        assert ("I am writing to tell you about a decision made on 16 November 2026 about how you may contact the "
                "council. A Service Manager decided this.") in text
        assert "Decided by" not in text


def test_a_review_on_the_end_date_is_not_promised_the_restrictions_lapse(book, renderer):
    # Warwickshire: 6 months' restriction from 16 Nov 2026 ends 16 May 2027; its review, 6 months
    # on by default, falls on the same day, so the letter gives the end date only.
    rec = make("warwickshire", "2026-11-02", [{**RESTRICTION, "duration_months": 6}])
    ctx = letter_of(book, rec, "2026-11-20", "restriction-notice")
    for text in both(renderer, rec, ctx):
        assert "The restrictions will apply until 16 May 2027, when they will lapse." in text
        assert "review them" not in text and "when we review" not in text


def test_a_line_is_never_twice_in_the_address_window(book, renderer):
    rep = {"name": "Sir Jeremy Holt KC MP", "organisation": "House of Commons", "relationship": "mp",
           "address": ["House of Commons", "London", "SW1A 0AA"], "written_consent": "2026-11-01"}
    ctx = letter_of(book, make("warwickshire", "2026-11-02", representative=rep), "2026-11-02", "acknowledgement")
    assert ctx["recipient"]["window"] == ["Sir Jeremy Holt KC MP", "House of Commons", "London", "SW1A\u00a00AA"]
    for text in both(renderer, make("warwickshire", "2026-11-02", representative=rep), ctx):
        assert text.count("House of Commons") == 1
        assert "Dear Sir Jeremy," in text


def test_the_withdrawal_confirmation_speaks_in_the_past_tense(book, renderer):
    rec = make("warwickshire", "2026-11-02", [ev("w1", "withdrawn", "2026-11-10", method="phone")])
    for text in render(book, renderer, rec, "2026-11-10", "withdrawal-confirmation"):
        assert "On 10 November 2026 you told us by telephone that you wished to withdraw your complaint." in text


# =========================================================================== the review's other content findings

def test_an_outcome_numbers_each_point_once_and_answers_it_under_its_number(book, renderer):
    # Review F4 and F5: each point printed once, numbered; the finding headed by its number;
    # the decision's learning printed.
    decision = {"outcome": "partly-upheld", "remedies": [], "outstanding_actions": [],
                "findings": [{"point": "Bins missed on 2, 9 and 16 October", "finding": "The crew missed the street."},
                             {"point": "2", "finding": "Both calls were logged but not returned."}],
                "learning": "Missed calls are now checked daily by a supervisor."}
    rec = make("telford-wrekin", "2026-11-02", [ev("d1", "decision", "2026-11-17", stage=1, **decision)],
               complaint={"points": ["Bins missed on 2, 9 and 16 October", "Two phone calls not returned"]})
    for text in render(book, renderer, rec, "2026-11-17", "outcome"):
        assert "Point 1: Bins missed on 2, 9 and 16 October" in text
        assert "Point 2: Two phone calls not returned" in text
        assert "Point 1: what we found The crew missed the street." in text
        assert "Point 2: what we found Both calls were logged but not returned." in text
        assert text.count("Bins missed on 2, 9 and 16 October") == 1
        assert "What we have learned Missed calls are now checked daily by a supervisor." in text


def test_a_late_outcome_says_so_and_apologises(book, renderer):
    # Telford: received Mon 2 Nov 2026; acknowledgement due Wed 4 Nov (2 WD); response due 10 WD
    # after it: 5, 6 (2), 9-13 (7), 16, 17, 18 (10) -> Wed 18 Nov. Sent Fri 20 Nov: late.
    rec = make("telford-wrekin", "2026-11-02", [ev("d1", "decision", "2026-11-20", stage=1, **DECISION)])
    for text in render(book, renderer, rec, "2026-11-20", "outcome"):
        assert "I am sorry this response is later than we promised: it was due by 18 November 2026." in text
    on_time = make("telford-wrekin", "2026-11-02", [ev("d1", "decision", "2026-11-17", stage=1, **DECISION)])
    for text in render(book, renderer, on_time, "2026-11-17", "outcome"):
        assert "later than we promised" not in text


def test_a_childrens_stage_1_outcome_offers_an_advocate(book, renderer):
    rec = make("warwickshire", "2026-11-02", [ev("d1", "decision", "2026-11-10", stage=1, **DECISION)],
               procedure="childrens")
    for text in render(book, renderer, rec, "2026-11-10", "outcome"):
        assert ("At stage 2, the child or young person the complaint is about can have an independent advocate to "
                "help them say what they think. Please tell us if they would like one, and we will arrange it.") in text


def test_record_values_sit_in_sentences_not_form_fields(book, renderer):
    # Review F3.
    rec = make("warwickshire", "2026-11-02", complaint={"outcomes_sought": ["An apology"]})
    for text in render(book, renderer, rec, "2026-11-02", "acknowledgement"):
        assert "You told us you would like: An apology" in text and "The outcomes sought" not in text
    held = make("warwickshire", "2026-11-02", [ev("h1", "on_hold", "2026-11-05", reason="A claim has been made.",
                                                  other_procedure="our insurer's investigation of the claim")])
    for text in render(book, renderer, held, "2026-11-05", "holding"):
        assert "We are waiting for another process to finish first: our insurer's investigation of the claim." in text
    late = make("warwickshire", "2026-11-02", complaint={"first_aware": "2025-10-01"})
    for text in render(book, renderer, late, "2026-11-02", "not-accepted"):
        assert "Our records show that you first knew about the matter on 1 October 2025." in text
        assert "became known" not in text


def test_a_stage_2_letter_signed_by_the_stage_1_officer_is_flagged(book, renderer, tmp_path):
    # Review M10: the officer named on the stage 2 request is the record's own (stage 1) officer.
    rec = make("telford-wrekin", "2026-10-20", [*STAGE_2, ev("r2", "escalation_request", "2026-11-10", to_stage=2,
                                                              officer={"name": "Sam Patel", "email": "sam.patel@example.org"})])
    stem, manifest, texts, folder = issue(book, renderer, rec, "2026-11-10", tmp_path, "acknowledgement")
    assert manifest["warnings"] == [
        "The stage 2 letter is signed by the officer who handled stage 1 (the record's officer, named again on the "
        "stage's event): stage 2 should be handled by someone independent of stage 1."]


def test_a_letter_sent_after_its_due_date_apologises_for_the_delay(book, renderer):
    # Review F6. Warwickshire: withdrawn Tue 10 Nov 2026; the confirmation is due as many working days
    # later as the stage 1 acknowledgement (5 WD, the Code's): 11-13 (3), 16, 17 (5) -> Tue 17 Nov.
    rec = make("warwickshire", "2026-11-02", [ev("w1", "withdrawn", "2026-11-10", method="phone")])
    ctx = letter_of(book, rec, "2026-11-20", "withdrawal-confirmation")
    assert ctx["letter"]["due"] == "17\u00a0November\u00a02026"
    for text in both(renderer, rec, ctx):
        assert "Withdrawal of your complaint I am sorry for the delay in writing to you. On 10 November 2026" in text
    for text in render(book, renderer, rec, "2026-11-17", "withdrawal-confirmation"):
        assert "sorry for the delay" not in text


def test_an_out_of_window_refusal_does_not_ask_again_for_a_reason_already_given(book, renderer):
    # Telford: stage 1 response sent by email Tue 3 Nov 2026; window 20 WD: 4-6 (3), 9-13 (8),
    # 16-20 (13), 23-27 (18), 30 Nov, 1 Dec (20) -> Tue 1 Dec. The request arrived Thu 10 Dec.
    rec = make("telford-wrekin", "2026-10-20", [
        *STAGE_2, ev("r2", "escalation_request", "2026-12-10", to_stage=2, reasons=["I was in hospital until 8 December"])])
    for text in render(book, renderer, rec, "2026-12-10", "escalation-refusal"):
        assert ("You told us: I was in hospital until 8 December If there is anything more you would like us to "
                "consider about why the request could not be made sooner, please tell the Customer Relationship Team "
                "at customer.relationship@telford.gov.uk.") in text
        assert "If there was a good reason" not in text
        assert ("Unless a good reason for the delay changes our decision, this decision ends our complaints "
                "procedure for your complaint.") in text


def test_the_ombudsmans_time_limit_to_a_representative_counts_from_the_complainants_knowledge(book, renderer):
    # Review F13: said to an advocate, the 12 months run from when Ms Khan first knew, not "you".
    rep = {"name": "Jo Bloggs", "relationship": "advocate", "address": ["1 Market Street", "Telford", "TF1 1AB"],
           "written_consent": "2026-10-20"}
    rec = make("telford-wrekin", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, **DECISION),
        ev("r2", "escalation_request", "2026-11-10", to_stage=2),
        ev("x2", "escalation_refused", "2026-11-12", to_stage=2, reasons=["Stage 1 answered every point in full"])],
        representative=rep)
    for text in render(book, renderer, rec, "2026-11-12", "escalation-refusal"):
        assert ("The Ombudsman usually expects a complaint within 12 months of when Ms Khan first knew about the "
                "problem.") in text
        assert ("If Ms Khan disagrees with our decision, you can ask the Local Government and Social Care Ombudsman "
                "to look at the complaint on Ms Khan's behalf, or Ms Khan can ask them directly.") in text
        assert "expects you to" not in text


def test_the_examples_stage_2_acknowledgement_is_signed_by_the_stage_2_reviewer(book, renderer):
    # Review M10: SMBC-2026-0077's stage 1 was handled by the Head of Planning Enforcement, the
    # service complained about; the stage 2 request names the reviewer.
    from conftest import EXAMPLES
    rec = json.loads((EXAMPLES / "smbc-2026-0077.json").read_text())
    for text in render(book, renderer, rec, "2026-11-20", "acknowledgement", 2):
        assert "Helen Ward will look into the complaint." in text
        assert "Yours sincerely, Helen Ward Corporate Complaints Manager, Solihull Council" in text
        assert "Paul Grant" not in text


def test_a_discontinuation_gives_its_recorded_reason_in_a_sentence(book, renderer):
    # Review F16: the record's reason is no longer a stray sentence. Warwickshire §7: three attempts
    # by different methods (the complainant has an email, an address and a phone).
    rec = make("warwickshire", "2026-11-02", [
        ev("c1", "contact_attempt", "2026-11-03", method="email", outcome="no-response"),
        ev("c2", "contact_attempt", "2026-11-05", method="letter", outcome="no-response"),
        ev("c3", "contact_attempt", "2026-11-09", method="phone", outcome="no-response"),
        ev("dc", "discontinued", "2026-11-16", reason="We could not get the information we needed.")])
    for text in render(book, renderer, rec, "2026-11-16", "discontinuation"):
        assert ("Because we have not heard from you, we have decided to stop our investigation and close the "
                "complaint. The reason we have recorded for closing it is: We could not get the information we "
                "needed.") in text


FRAGMENTS = ("Decided by:", "you or ", ", or you on ", "Dear Cllr", "The outcomes sought", "The person who contacted us",
             "became known", "that you wish to withdraw", "As we agreed", "say which parts of our response are disputed")


def test_every_letter_rendered_from_the_examples_reads_as_a_manager_would_sign_it(tmp_path):
    # letters.md, third wave, over the examples as of 20 November 2026: no form fragment or doubled
    # name in either format, the Ombudsman in every extension, a postal address and telephone on
    # every letterhead, and `letters check` content checks pass.
    from click.testing import CliRunner
    from conftest import EXAMPLES, ROOT

    from correspondence.cli import cli
    outbox = tmp_path / "outbox"
    for record in sorted(EXAMPLES.glob("*.json")):
        result = CliRunner().invoke(cli, ["render", "--case-file", str(record), "--as-of", "2026-11-20", "--rules",
                                          str(RULES), "--templates", str(ROOT / "templates"), "--outbox", str(outbox)])
        assert result.exit_code == 0, (record.name, result.output)
    book = load_rulebook(RULES)[0]
    phones = {}  # the letterhead's telephone: the record's organisation, else the council's rules
    for record in EXAMPLES.glob("*.json"):
        data = json.loads(record.read_text())
        phones[data["case_id"]] = ((data.get("organisation") or {}).get("phone")
                                   or book.policy_for(data["council"]).value("council.phone"))
    # the letters filed and the drafts awaiting sign-off alike: a manager signs what the draft says
    manifests = sorted(p for p in [*outbox.glob("*/*.json"), *outbox.glob("*/drafts/*.json")]
                       if not p.parent.name.startswith("."))
    assert len(manifests) >= 15
    assert any(p.parent.name == "drafts" for p in manifests) and any(p.parent.name != "drafts" for p in manifests)
    for path in manifests:
        manifest = json.loads(path.read_text())
        for text in (flat(docx_text(path.with_suffix(".docx").read_bytes())),
                     flat(pdf_text(path.with_suffix(".pdf").read_bytes()))):
            for fragment in FRAGMENTS:
                assert fragment not in text, (path.name, fragment)
            assert f"Telephone: {phones[manifest['case_id']]}" in text, path.name
            if manifest["letter"] == "extension":
                assert ("0300 061 0614" in text) or ("0300 111 3000" in text), path.name
    check = CliRunner().invoke(cli, ["check", "--outbox", str(outbox), "--rules", str(RULES)])
    assert check.exit_code == 0, check.output
