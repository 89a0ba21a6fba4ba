"""A reading of every letter the examples produce, as the resident and as the manager who signs it
(docs/letters.md, "Letters a manager signs unedited"): what that reading found, each asserted on the
rendered letter read back in both formats."""

from conftest import ev, make
from test_letter_wording import render


def test_an_extension_sent_after_its_new_date_never_promises_that_date(book, renderer):
    # Telford: received Mon 2 Nov 2026; acknowledgement due 2 WD later, Wed 4 Nov; response 10 WD
    # after it: 5, 6 (2), 9-13 (7), 16, 17, 18 (10) -> Wed 18 Nov. Extended on 16 Nov to Wed 25 Nov;
    # the letter is written on Fri 27 Nov, after the new date.
    rec = make("telford-wrekin", "2026-11-02", [
        ev("x1", "extension", "2026-11-16", stage=1, reason="We are waiting for the crew's records.", new_due="2026-11-25")])
    for text in render(book, renderer, rec, "2026-11-27", "extension"):
        assert ("The new response date We planned to send our response by 25 November 2026. That date has passed, "
                "and I am sorry that we have not yet responded. We will send our full response as soon as "
                "possible.") in text
        assert "We will now send our response by" not in text
    for text in render(book, renderer, rec, "2026-11-25", "extension"):
        assert "We will now send our response by 25 November 2026." in text
        assert "That date has passed" not in text


def test_a_late_acknowledgement_apologises_as_the_consent_request_beside_it_does(book, renderer):
    # Telford: received Mon 2 Nov 2026; acknowledgement due 2 WD later: 3 (1), 4 (2) -> Wed 4 Nov.
    # Written on Fri 6 Nov, after it; the response date (Wed 18 Nov) is still ahead.
    rep = {"name": "Margaret Evans", "relationship": "relative", "address": ["1 Market Street", "Telford", "TF1 1AB"],
           "written_consent": None}
    rec = make("telford-wrekin", "2026-11-02", representative=rep)
    for kind in ("acknowledgement", "consent-request"):
        for text in render(book, renderer, rec, "2026-11-06", kind):
            assert "I am sorry for the delay in writing to you." in text
    for text in render(book, renderer, rec, "2026-11-06", "acknowledgement"):
        assert "We have received your complaint I am sorry for the delay in writing to you. Margaret Evans" in text
        assert text.count("I am sorry") == 1
    for text in render(book, renderer, rec, "2026-11-04", "acknowledgement"):
        assert "sorry for the delay" not in text


def test_a_representatives_organisation_that_repeats_its_name_is_written_once(book, renderer):
    # LBC-2026-0481's record: the agency's name and its organisation are the same words reordered.
    rep = {"name": "Luton Citizens Advice", "organisation": "Citizens Advice Luton", "relationship": "advice-agency",
           "address": ["24-26 King Street", "Luton", "LU1 2DP"], "written_consent": None}
    rec = make("luton", "2026-11-02", representative=rep)
    for text in render(book, renderer, rec, "2026-11-02", "acknowledgement"):
        assert ("Luton Citizens Advice has made a complaint to us on your behalf, which we received on "
                "2 November 2026.") in text
        assert "Citizens Advice Luton" not in text
    for text in render(book, renderer, rec, "2026-11-02", "consent-request"):
        assert "Luton Citizens Advice has made a complaint to us on your behalf. We received it on 2 November 2026" in text
        assert "Citizens Advice Luton" not in text
    other = {**rep, "name": "Ms Sarah Jones", "title": "Ms", "family_name": "Jones"}
    for text in render(book, renderer, make("luton", "2026-11-02", representative=other), "2026-11-02", "consent-request"):
        assert "Ms Sarah Jones (Citizens Advice Luton) has made a complaint to us on your behalf." in text


# Luton: a restriction decided on Mon 16 Nov 2026 for 6 months ends on 16 May 2027; it is reviewed
# after three months (App. A §21): 16 Feb 2027.
LUTON_RESTRICTION = ev("r1", "restriction", "2026-11-16", behaviours=["Threatening language towards staff"],
                       restrictions=["Contact in writing only, to the Information Governance Manager"],
                       duration_months=6, decided_by="Head of Revenues and Benefits")
PASSED_REVIEW = ("How long the restrictions will last The restrictions will apply until 16 May 2027. We planned to "
                 "review them by 16 February 2027. That date has passed, and I am sorry that we have not yet done so. "
                 "We will review them as soon as possible and write to tell you the outcome.")


def test_a_restriction_notice_written_after_its_review_date_never_promises_that_review(book, renderer):
    rec = make("luton", "2026-11-02", [LUTON_RESTRICTION])
    for text in render(book, renderer, rec, "2026-11-20", "restriction-notice"):
        assert ("How long the restrictions will last The restrictions will apply until 16 May 2027. We will review "
                "them by 16 February 2027 and write to tell you the outcome.") in text
        assert "That date has passed" not in text
    # written on Mon 1 Mar 2027, after the review date of 16 Feb 2027 and before the end
    for text in render(book, renderer, rec, "2027-03-01", "restriction-notice"):
        assert PASSED_REVIEW in text
        assert "We will review them by" not in text
        assert "I am sorry for the delay in writing to you." in text


def test_a_late_restriction_notice_names_a_review_already_held_and_an_end_already_past(book, renderer):
    # the review recorded on Mon 15 Feb 2027 has its own letter; the notice written on 1 Mar 2027 names it
    reviewed = make("luton", "2026-11-02", [LUTON_RESTRICTION,
                                            ev("v1", "restriction_review", "2027-02-15", outcome="maintained")])
    for text in render(book, renderer, reviewed, "2027-03-01", "restriction-notice"):
        assert ("How long the restrictions will last We set the restrictions to apply until 16 May 2027, with a review "
                "by 16 February 2027. We reviewed them on 15 February 2027, and we are writing to you separately to "
                "tell you the outcome.") in text
        assert "We planned to review" not in text and "We will review them" not in text
    # written on Tue 1 Jun 2027, after the end of 16 May 2027, with no review recorded
    for text in render(book, renderer, make("luton", "2026-11-02", [LUTON_RESTRICTION]), "2027-06-01",
                       "restriction-notice"):
        assert ("How long the restrictions will last The restrictions were to apply until 16 May 2027. That date has "
                "passed, so they no longer apply, and you may contact us in any of the usual ways.") in text
        assert "will apply until" not in text and "review them" not in text


# Warwickshire: a restriction decided on Mon 18 May 2026 for 12 months ends on 18 May 2027 (WCC-2026-0402);
# changed at the review of Wed 18 Nov 2026, next reviewed 3 months later: 18 Feb 2027.
WCC_RESTRICTION = ev("r1", "restriction", "2026-05-18", behaviours=["Abusive language on the telephone"],
                     restrictions=["Contact by email only, to one named officer", "Telephone calls will not be accepted"],
                     duration_months=12, decided_by="Karen Hill, Service Manager")
WCC_REVIEW = ev("v1", "restriction_review", "2026-11-18", outcome="modified",
                restrictions=["Contact by email only, to one named officer"], next_review_months=3)


def test_a_restriction_review_names_the_day_of_the_review_never_today_in_a_later_letter(book, renderer):
    rec = make("warwickshire", "2026-03-02", [WCC_RESTRICTION, WCC_REVIEW])
    # written on Fri 20 Nov 2026, two days after the review
    for text in render(book, renderer, rec, "2026-11-20", "restriction-review"):
        assert ("On 18 November 2026 we reviewed the restrictions we placed on your contact with the council. We have "
                "decided to change the restrictions. From 18 November 2026, they are: Contact by email only, to one "
                "named officer") in text
        assert ("The restrictions will apply until 18 May 2027. We will review them again by 18 February 2027.") in text
        assert "today" not in text
    lifted = make("warwickshire", "2026-03-02", [WCC_RESTRICTION, ev("v1", "restriction_review", "2026-11-18",
                                                                     outcome="lifted")])
    for text in render(book, renderer, lifted, "2026-11-20", "restriction-review"):
        assert ("We have decided to lift the restrictions. They ended on 18 November 2026: since then you may contact "
                "us in any of the usual ways.") in text
        assert "today" not in text
    for text in render(book, renderer, lifted, "2026-11-18", "restriction-review"):
        assert ("On 18 November 2026 we reviewed the restrictions we placed on your contact with the council. We have "
                "decided to lift the restrictions. They end today: from today you may contact us in any of the usual "
                "ways.") in text


def test_a_late_restriction_review_never_promises_a_next_review_already_past(book, renderer):
    rec = make("warwickshire", "2026-03-02", [WCC_RESTRICTION, WCC_REVIEW])
    # written on Mon 1 Mar 2027, after the next review date of 18 Feb 2027
    for text in render(book, renderer, rec, "2027-03-01", "restriction-review"):
        assert ("The restrictions will apply until 18 May 2027. We planned to review them again by 18 February 2027. "
                "That date has passed, and I am sorry that we have not yet done so. We will review them as soon as "
                "possible and write to tell you the outcome.") in text
        assert "We will review them again by" not in text
    # the next review, held on Wed 17 Feb 2027, has its own letter
    again = make("warwickshire", "2026-03-02", [WCC_RESTRICTION, WCC_REVIEW,
                                                ev("v2", "restriction_review", "2027-02-17", outcome="maintained")])
    for text in render(book, renderer, again, "2027-03-01", "restriction-review"):
        assert ("From 18 November 2026, they are: Contact by email only, to one named officer After this review, the "
                "restrictions were to apply until 18 May 2027, with a further review by 18 February 2027. We reviewed "
                "them again on 17 February 2027, and we are writing to you separately to tell you the outcome.") in text


def test_record_text_reads_as_a_sentence_with_one_full_stop(book, renderer):
    # A case system leaves the full stop off one field and puts it on another: the letter prints each
    # with exactly one. Warwickshire §7: three attempts by different methods before discontinuing.
    closed = make("warwickshire", "2026-11-02", [
        ev("c1", "contact_attempt", "2026-11-03", method="email", outcome="no-response"),
        ev("c2", "contact_attempt", "2026-11-05", method="letter", outcome="no-response"),
        ev("c3", "contact_attempt", "2026-11-09", method="phone", outcome="no-response"),
        ev("dc", "discontinued", "2026-11-16", reason="No reply to three attempts")])
    for text in render(book, renderer, closed, "2026-11-16", "discontinuation"):
        assert ("close the complaint. The reason we have recorded for closing it is: No reply to three attempts. "
                "Reopening the complaint") in text
    held = make("warwickshire", "2026-11-02", [ev("h1", "on_hold", "2026-11-05", reason="A disrepair claim has been issued",
                                                  other_procedure="County court disrepair claim.")])
    for text in render(book, renderer, held, "2026-11-05", "holding"):
        assert ("We are waiting for another process to finish first: County court disrepair claim. Why we have done "
                "this A disrepair claim has been issued. When we expect to restart") in text
        assert ".." not in text
    extended = make("telford-wrekin", "2026-11-02", [
        ev("x1", "extension", "2026-11-16", stage=1, reason="We are waiting for the crew's records", new_due="2026-11-25")])
    for text in render(book, renderer, extended, "2026-11-16", "extension"):
        assert "Why we need more time We are waiting for the crew's records. The new response date" in text


def test_a_late_extension_or_refusal_says_sorry_once(book, renderer):
    # Telford: received Mon 2 Nov 2026, response due Wed 18 Nov (as above); the extension of 16 Nov is
    # written on Fri 20 Nov, after the date it extends and before its new date, 25 Nov.
    rec = make("telford-wrekin", "2026-11-02", [
        ev("x1", "extension", "2026-11-16", stage=1, reason="We are waiting for the crew's records.", new_due="2026-11-25")])
    for text in render(book, renderer, rec, "2026-11-20", "extension"):
        assert ("We need more time to respond to your complaint I am sorry for the delay in writing to you. We told "
                "you we would send our stage 1 response to your complaint by 18 November 2026. We need more time to "
                "give a full answer.") in text
        assert text.count("I am sorry") == 1
    # written on Fri 27 Nov, after the new date too: the one apology is the sentence saying it has passed
    for text in render(book, renderer, rec, "2026-11-27", "extension"):
        assert ("We told you we would send our stage 1 response to your complaint by 18 November 2026. We need more "
                "time to give a full answer.") in text
        assert text.count("I am sorry") == 1 and "That date has passed, and I am sorry" in text
    for text in render(book, renderer, rec, "2026-11-16", "extension"):
        assert "I am sorry, but we need more time to give a full answer." in text
    # Telford's refusal is due with the stage 2 acknowledgement, 5 WD after the request of Tue 10 Nov:
    # 11, 12, 13, 16, 17 -> Tue 17 Nov; written on Fri 20 Nov, it is late.
    refused = make("telford-wrekin", "2026-10-20", [
        ev("d1", "decision", "2026-11-03", stage=1, outcome="not-upheld",
           findings=[{"point": "Bins missed", "finding": "The crew missed one street."}], remedies=[],
           outstanding_actions=[]),
        ev("r2", "escalation_request", "2026-11-10", to_stage=2),
        ev("x2", "escalation_refused", "2026-11-12", to_stage=2, reasons=["Stage 1 answered every point in full"])])
    for text in render(book, renderer, refused, "2026-11-20", "escalation-refusal"):
        assert ("I am sorry for the delay in writing to you. We received a request on 10 November 2026 to take your "
                "complaint to stage 2 of our complaints procedure. We have decided not to do so.") in text
        assert text.count("I am sorry") == 1
    for text in render(book, renderer, refused, "2026-11-12", "escalation-refusal"):
        assert "I am sorry, but we have decided not to do so." in text and "delay in writing" not in text
