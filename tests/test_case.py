"""Record validation: every error is one sentence naming the file, the field path and what was expected."""

import json

import pytest
from conftest import COUNCILS, EXAMPLES, ev, make

from correspondence.engine.case import CaseError, case_from_record, load_case, parse_record

PROCEDURES = {c: ["corporate"] for c in COUNCILS} | {"warwickshire": ["corporate", "adult-social-care", "childrens"]}


def problems(rec) -> list[str]:
    with pytest.raises(CaseError) as err:
        case_from_record(rec, "inbox/r.json", PROCEDURES)
    return err.value.problems


def one(rec) -> str:
    found = problems(rec)
    assert len(found) == 1, found
    return found[0]


def test_every_example_is_valid():
    files = sorted(EXAMPLES.glob("*.json"))
    assert len(files) >= 12
    for path in files:
        assert load_case(path, PROCEDURES).case_id


def test_unknown_top_level_key():
    rec = make(colour="red")
    assert one(rec) == "inbox/r.json: field colour is not part of complaint-case/1; check the spelling (unknown keys are refused)."


def test_unknown_nested_key_is_a_typo():
    rec = make()
    rec["complainant"]["adress"] = ["1 Road"]
    assert one(rec) == ("inbox/r.json: field complainant.adress is not part of complaint-case/1; "
                        "check the spelling (unknown keys are refused).")


def test_unknown_key_in_event_is_refused_but_extra_is_kept():
    rec = make(events=[ev("e1", "withdrawn", "2026-11-03", method="phone", methd="x")])
    assert one(rec) == "inbox/r.json: field events[0].methd is not part of complaint-case/1; check the spelling (unknown keys are refused)."
    rec = make(events=[ev("e1", "withdrawn", "2026-11-03", method="phone", extra={"anything": {"goes": 1}})])
    case = case_from_record(rec, "r.json", PROCEDURES)
    assert case.events[0].get("extra") == {"anything": {"goes": 1}}


def test_impossible_date():
    rec = make(received="2026-02-30")
    assert one(rec) == "inbox/r.json: field complaint.received: expected a real calendar date (YYYY-MM-DD); got \"2026-02-30\"."


def test_badly_written_date():
    rec = make(received="02/11/2026")
    assert one(rec) == "inbox/r.json: field complaint.received: expected a date written YYYY-MM-DD; got \"02/11/2026\"."


@pytest.mark.parametrize("case_id", ["../etc/passwd", ".hidden", "a/b", "x" * 65, "", "CASE 1", "a\\b"])
def test_unsafe_case_ids(case_id):
    found = problems(make(case_id=case_id))
    assert any(p.startswith("inbox/r.json: field case_id: expected") for p in found), found


def test_unknown_council():
    assert one(make(council="kent")) == (
        f"inbox/r.json: field council: expected one of {', '.join(COUNCILS)}; "
        f"got text (not quoted: it may be personal).")


def test_unknown_procedure():
    # a procedure another council knows is quoted (it cannot be personal); anything else is not
    assert one(make(procedure="childrens")) == (
        "inbox/r.json: field procedure: expected corporate for telford-wrekin; got \"childrens\".")
    assert one(make(procedure="mine")) == (
        "inbox/r.json: field procedure: expected corporate for telford-wrekin; got text (not quoted: it may be personal).")


def test_wrong_format():
    assert one(make(format="complaint-case/2")) == (
        "inbox/r.json: field format: expected \"complaint-case/1\", got \"complaint-case/2\".")


def test_missing_required_field():
    rec = make()
    del rec["officer"]["name"]
    assert one(rec) == "inbox/r.json: field officer.name is missing; it is required."


def test_officer_needs_a_contact():
    rec = make(officer={"name": "Sam Patel"})
    assert one(rec) == "inbox/r.json: field officer: expected at least one of officer.email or officer.phone."


def test_wrong_type():
    assert one(make(housing_tenancy="no")) == "inbox/r.json: field housing_tenancy: expected true or false; got \"no\"."


def test_enum():
    rec = make(complainant={"preferred_contact": "fax"})
    assert one(rec) == "inbox/r.json: field complainant.preferred_contact: expected one of email, post, phone, in-person; got text (not quoted: it may be personal)."


def test_unknown_event_type():
    rec = make(events=[ev("e1", "apology", "2026-11-03")])
    assert one(rec).startswith('inbox/r.json: field events[0].type: the text given is not an event type; expected one of '
                               'behaviour_warning, contact_attempt,')


def test_mistyped_event_type_is_reported_as_the_type_not_as_its_fields():
    rec = make(events=[ev("e1", "leter_issued", "2026-11-03", letter="acknowledgement", stage=1, delivery="email")])
    assert one(rec).startswith('inbox/r.json: field events[0].type: "leter_issued" is not an event type '
                               '(did you mean letter_issued?); expected one of behaviour_warning,')


def test_event_missing_its_own_field():
    rec = make(events=[ev("e1", "extension", "2026-11-03", stage=1)])
    assert one(rec) == "inbox/r.json: field events[0].reason is missing; it is required."


def test_duplicate_event_ids():
    rec = make(events=[ev("e1", "withdrawn", "2026-11-03", method="phone"), ev("e1", "reopened", "2026-11-04", reason="x")])
    assert one(rec) == ('inbox/r.json: field events[1].id: expected a unique id; got "e1", the id of '
                        'events[0] too.')


def test_event_before_the_complaint():
    rec = make(events=[ev("e1", "withdrawn", "2026-10-01", method="phone")])
    assert one(rec) == ("inbox/r.json: field events[0].date: expected a date on or after complaint.received "
                        "(2 November 2026); got 1 October 2026.")


def test_first_aware_after_received():
    rec = make(complaint={"first_aware": "2026-12-01"})
    assert one(rec) == ("inbox/r.json: field complaint.first_aware: expected a date on or before "
                        "complaint.received (2 November 2026); got 1 December 2026.")


def test_named_complainant_needs_an_address_or_email():
    rec = make(complainant={"address": None, "email": None, "preferred_contact": "post"})
    rec["complainant"] = {k: v for k, v in rec["complainant"].items() if v is not None}
    assert one(rec) == ("inbox/r.json: field complainant: expected an address or an email "
                        "(only an anonymous complaint may have neither); got neither.")


def test_anonymous_complaint_is_valid_without_contact_details():
    rec = make()
    rec["complainant"] = {"preferred_contact": "post"}
    assert case_from_record(rec, "r.json", PROCEDURES).anonymous


def test_address_has_at_most_six_lines():
    rec = make(complainant={"address": [f"line {i}" for i in range(7)]})
    assert one(rec) == "inbox/r.json: field complainant.address: expected a list of at most 6 items; it has 7."


def test_format_needs():
    rec = make(complainant={"format_needs": ["large-print", "sign-language"]})
    assert one(rec) == ("inbox/r.json: field complainant.format_needs[1]: expected large-print, easy-read, braille, "
                        "audio or language:<code> (such as language:pl); got text (not quoted: it may be personal).")


def test_written_consent_is_a_date_or_null():
    rec = make(representative={"name": "Jo", "relationship": "friend", "written_consent": "yes"})
    assert one(rec) == "inbox/r.json: field representative.written_consent: expected a date written YYYY-MM-DD, or null; got \"yes\"."


def test_not_json():
    with pytest.raises(CaseError) as err:
        parse_record(b"{not json", "inbox/r.json")
    assert err.value.problems == [
        "inbox/r.json: is not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes); expected one JSON object."]


def test_not_an_object():
    with pytest.raises(CaseError) as err:
        case_from_record([1, 2], "inbox/r.json", PROCEDURES)
    assert err.value.problems == ["inbox/r.json: expected one JSON object (a complaint-case/1 record); got a list."]


def test_duplicate_keys_are_refused():
    with pytest.raises(CaseError) as err:
        parse_record(b'{"case_id": "A", "case_id": "B"}', "inbox/r.json")
    assert err.value.problems == ["inbox/r.json: the key 'case_id' appears twice in one object; each key may appear once."]


def test_not_utf8():
    with pytest.raises(CaseError) as err:
        parse_record(b'{"a": "\xff"}', "inbox/r.json")
    assert err.value.problems == ["inbox/r.json: is not UTF-8 text (byte 7); expected a UTF-8 JSON record."]


def test_nan_is_refused():
    with pytest.raises(CaseError) as err:
        parse_record(b'{"a": NaN}', "inbox/r.json")
    assert err.value.problems == ["inbox/r.json: NaN is not a valid JSON value; expected a number, text, true, false or null."]


def test_record_over_5_mb_is_refused_unread(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (5 * 1024 * 1024 + 1))
    with pytest.raises(CaseError) as err:
        load_case(big, PROCEDURES)
    assert err.value.problems == [f"{big}: the record is larger than 5 MB; expected one case of at most 5 MB."]


def test_missing_file(tmp_path):
    with pytest.raises(CaseError) as err:
        load_case(tmp_path / "nope.json", PROCEDURES)
    assert err.value.problems == [f"{tmp_path / 'nope.json'}: no such file; expected a complaint-case/1 JSON record."]


def test_all_errors_reported_at_once():
    rec = make(council="kent", housing_tenancy="no")
    rec["colour"] = "red"
    found = problems(rec)
    assert len(found) == 3
    assert any("field council" in p for p in found)


def test_text_is_kept_literally():
    text = "Bins & <b>\"fish\"</b> {{ x }} {% if %} 🚮 مرحبا"
    rec = make(complaint={"summary": text})
    case = case_from_record(json.loads(json.dumps(rec)), "r.json", PROCEDURES)
    assert case.raw["complaint"]["summary"] == text


# --------------------------------------------------------------------------- organisation, procedures, delivery

def test_code_2024_needs_an_organisation():
    rec = make(council="code-2024", organisation=None)
    assert one(rec) == ("inbox/r.json: field organisation is missing; it is required when council is code-2024 "
                        "(the Code names no council, so the record must say who writes the letters).")
    rec = make(council="code-2024")
    case = case_from_record(rec, "r.json", PROCEDURES)
    assert case.organisation["name"] == "Ashdown District Council"


def test_code_2024_records_give_the_teams_postal_address_and_telephone():
    # letters.md, Every letterhead is reachable: code-2024 names no council, so the record's
    # organisation gives the address and telephone a council's rules would.
    org = {"name": "Ashdown District Council", "team": "Complaints Team", "email": "complaints@ashdown.example.org"}
    assert one(make(council="code-2024", organisation={**org, "phone": "01234 567890"})) == (
        "inbox/r.json: field organisation.address is missing; it is required when council is code-2024 (the Code "
        "names no council, so the record gives the complaints team's postal address and telephone for the letterhead).")
    assert one(make(council="code-2024", organisation={**org, "address": ["Council Offices", "AS1 1AA"]})) == (
        "inbox/r.json: field organisation.phone is missing; it is required when council is code-2024 (the Code "
        "names no council, so the record gives the complaints team's postal address and telephone for the letterhead).")


def test_an_escalation_request_and_a_decision_may_name_the_stages_officer():
    officer = {"name": "Priya Shah", "job_title": "Complaints Manager", "email": "p.shah@example.org"}
    rec = make(events=[{"id": "d1", "type": "decision", "date": "2026-11-10", "stage": 1, "outcome": "upheld",
                        "findings": [], "remedies": [], "outstanding_actions": [], "officer": officer},
                       {"id": "r2", "type": "escalation_request", "date": "2026-11-12", "to_stage": 2, "officer": officer}])
    case = case_from_record(rec, "r.json", PROCEDURES)
    assert [e.get("officer")["name"] for e in case.events] == ["Priya Shah", "Priya Shah"]
    rec["events"][1]["officer"] = {"name": "Priya Shah"}
    assert one(rec) == ("inbox/r.json: field events[1].officer: expected at least one of events[1].officer.email "
                        "or events[1].officer.phone.")
    rec["events"][1]["officer"] = {**officer, "fax": "1"}
    assert one(rec) == ("inbox/r.json: field events[1].officer.fax is not part of complaint-case/1; "
                        "check the spelling (unknown keys are refused).")
    rec["events"][1]["officer"] = officer
    rec["events"].append({"id": "x1", "type": "extension", "date": "2026-11-13", "stage": 2, "reason": "Busy.",
                          "officer": officer})
    assert one(rec) == ("inbox/r.json: field events[2].officer is not part of complaint-case/1; "
                        "check the spelling (unknown keys are refused).")


def test_organisation_is_optional_for_a_council_and_checked():
    assert case_from_record(make(), "r.json", PROCEDURES).organisation is None
    rec = make(organisation={"name": "Telford & Wrekin Council", "team": "Complaints", "fax": "1"})
    assert one(rec) == ("inbox/r.json: field organisation.fax is not part of complaint-case/1; "
                        "check the spelling (unknown keys are refused).")
    rec = make(organisation={"team": "Complaints"})
    assert one(rec) == "inbox/r.json: field organisation.name is missing; it is required."


def test_representative_name_parts_and_salutation():
    rep = {"name": "Cllr Jo Bloggs", "title": "Councillor", "given_name": "Jo", "family_name": "Bloggs",
           "salutation": "Dear Councillor Bloggs", "relationship": "councillor",
           "address": ["Darby House", "Telford", "TF3 4JA"], "written_consent": None}
    case = case_from_record(make(representative=rep), "r.json", PROCEDURES)
    assert case.representative["family_name"] == "Bloggs"
    rep["nickname"] = "JB"
    assert one(make(representative=rep)) == ("inbox/r.json: field representative.nickname is not part of "
                                             "complaint-case/1; check the spelling (unknown keys are refused).")


def test_new_events_are_accepted():
    rec = make(council="warwickshire", events=[
        ev("e1", "letter_issued", "2026-11-03", letter="acknowledgement", stage=1, trigger="complaint"),
        ev("e2", "panel_held", "2026-11-04", stage=3),
        ev("e3", "ombudsman_enquiry", "2026-11-05", body="lgsco", reference="26 001 234"),
        ev("e4", "ombudsman_decision", "2026-11-06", body="lgsco", finding="fault-injustice",
           remedy_complied=True, compensation_gbp=250),
    ])
    case = case_from_record(rec, "r.json", PROCEDURES)
    assert [e.type for e in case.events] == ["letter_issued", "panel_held", "ombudsman_enquiry", "ombudsman_decision"]
    assert case.events[0].get("trigger") == "complaint"


def test_new_events_fields_are_checked():
    rec = make(events=[ev("e1", "ombudsman_decision", "2026-11-06", body="lgsco", finding="guilty")])
    assert one(rec).startswith("inbox/r.json: field events[0].finding: expected one of not-investigated, premature,")
    rec = make(events=[ev("e1", "panel_held", "2026-11-06", stage=2)])
    assert one(rec) == "inbox/r.json: field events[0].stage: expected 3, got 2."
    rec = make(events=[ev("e1", "ombudsman_enquiry", "2026-11-06")])
    assert one(rec) == "inbox/r.json: field events[0].body is missing; it is required."


def test_escalation_reasons_are_a_list():
    rec = make(events=[ev("e1", "escalation_request", "2026-11-06", to_stage=2, reasons="I am unhappy")])
    assert one(rec) == "inbox/r.json: field events[0].reasons: expected a list; got text (not quoted: it may be personal)."


@pytest.mark.parametrize("where", ["summary", "point", "title", "reason"])
def test_whitespace_only_text_is_refused(where):
    rec = make(events=[ev("e1", "withdrawn", "2026-11-03", method="phone")])
    if where == "summary":
        rec["complaint"]["summary"], path = "   ", "complaint.summary"
    elif where == "point":
        rec["complaint"]["points"], path = ["Bins missed", "\t \n"], "complaint.points[1]"
    elif where == "title":
        rec["complainant"]["title"], path = "", "complainant.title"
    else:
        rec["events"].append(ev("e2", "reopened", "2026-11-04", reason=" \u00a0 "))
        path = "events[1].reason"
    assert one(rec) == f"inbox/r.json: field {path}: expected some text; it is empty or white space only."


def test_white_space_inside_extra_is_the_councils_own():
    rec = make(events=[ev("e1", "withdrawn", "2026-11-03", method="phone", extra={"note": " "})])
    assert case_from_record(rec, "r.json", PROCEDURES).events[0].get("extra") == {"note": " "}
