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
