"""Record checks: no patient identifiers in free text, impossible values, ids, citations."""

import pytest

from jakpath.evidence import find_identifier, validate_record
from jakpath.evidence.models import CaseRecord
from jakpath.evidence.store import kb_records
from jakpath.evidence.validate import InvalidRecordError, parse_duration_weeks, parse_record
from jakpath.kb import load_kb

KB = load_kb()
GOOD = {
    "disease_id": "dermatomyositis",
    "drug_id": "upadacitinib",
    "outcome": "partial",
    "study_type": "case_series",
    "n_patients": "4",
    "source_ids": "doe2024",
    "pmid": "33258553",
}


def problems(**changes):
    record, found = parse_record({**GOOD, **changes}, KB)
    assert (record is None) == bool(found)
    return {p.field: p.message for p in found}


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("first seen 2023-04-01 in clinic", "date (year-month-day)"),
        ("seen on 01/04/2023", "date (day/month/year)"),
        ("relapse 3.4.23", "date (day/month/year)"),
        ("admitted 1 April 2023", "date (with month name)"),
        ("MRN 12345678", "long digit run"),
        ("hospital no. 004512", "long digit run"),
        ("contact jane.doe@example.org", "e-mail address"),
        ("call +44 20 7946 0958", "phone number"),
        ("call (555) 123-4567", "phone number"),
        ("call 555-123-4567", "phone number"),
    ],
)
def test_free_text_with_an_identifier_is_rejected_naming_field_and_pattern(text, pattern):
    found = problems(outcome_text=text)
    assert list(found) == ["outcome_text"]
    assert pattern in found["outcome_text"]
    assert "identifier" in found["outcome_text"]


@pytest.mark.parametrize(
    "field", ["regimen_text", "age_band", "sex", "prior_failed", "adverse_events", "note"]
)
def test_every_free_text_field_is_screened(field):
    assert field in problems(**{field: "x 2023-04-01"})


@pytest.mark.parametrize(
    "text",
    [
        "CDASI activity 28 -> 9.5 (P=0.0005); 9/10 remained on drug",
        "5 mg BID for 12 weeks, then 10 mg; PPPASI 13.86 -> 5.56",
        "see PMID 33258553 and PMC10583374; doi 10.1136/rmdopen-2023-003837; NCT01234567",
        "ORR 54.9% at day 28; 10 M / 18 F; 1-2 months",
    ],
)
def test_clinical_text_and_citation_tokens_pass(text):
    assert find_identifier(text) is None
    assert problems(note=text) == {}


def test_every_shipped_record_passes_the_checks():
    records = kb_records(KB)
    assert len(records) == len(KB.cases)
    assert all(r.case_id.startswith("kb:") for r in records)


def test_schema_has_no_field_for_direct_identifiers():
    columns = {c.name.lower() for c in CaseRecord.__table__.columns}
    forbidden = ("name", "birth", "dob", "mrn", "record_number", "address", "phone", "email")
    assert not [c for c in columns for word in forbidden if word in c]
    assert "added_by" in columns  # the account that entered it, not the patient


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"n_patients": "-3"}, "n_patients", ">= 1"),
        ({"n_patients": "2.5"}, "n_patients", "whole number"),
        ({"age_years": "121"}, "age_years", "<= 120"),
        ({"age": "130"}, "age_years", "<= 120"),
        ({"age_band": "mean 150 y"}, "age_band", "over 120"),
        ({"time_to_response_weeks": "-2"}, "time_to_response_weeks", "before treatment"),
        ({"time_to_response": "-3 weeks"}, "time_to_response_weeks", "before treatment"),
        (
            {"time_to_response_weeks": "30", "follow_up_weeks": "12"},
            "time_to_response_weeks",
            "after the end of follow-up",
        ),
        ({"dose_mg": "0"}, "dose_mg", "> 0"),
        ({"interval_h": "abc"}, "interval_h", "not a number"),
        ({"study_type": "case_report", "n_patients": "3"}, "n_patients", "1 patient"),
        ({"outcome": "great"}, "outcome", "not one of"),
        ({"study_type": ""}, "study_type", "required"),
        ({"route": "rectal"}, "route", "not one of"),
        ({"pmid": "PMID: 12ab"}, "pmid", "digits"),
        ({"pmid": "", "doi": ""}, "doi", "DOI or a PMID is required"),
        ({"doi": "11.1/x", "pmid": ""}, "doi", "not a DOI"),
        ({"case_id": "12345678"}, "case_id", "record number"),
        ({"patient_name": "Jane"}, "patient_name", "unknown field"),
    ],
)
def test_impossible_values_are_rejected_with_the_field(changes, field, words):
    found = problems(**changes)
    assert field in found, found
    assert words in found[field]


def test_unknown_disease_and_drug_give_the_closest_names():
    found = problems(disease_id="dermatomyosits", drug_id="tofacitnib")
    assert "Did you mean: Dermatomyositis" in found["disease_id"]
    assert "Tofacitinib" in found["drug_id"]


def test_names_brands_and_codes_resolve_to_kb_ids():
    rec = validate_record({**GOOD, "disease_id": "Dermatomyositis", "drug_id": "Rinvoq"}, KB)
    assert (rec.disease_id, rec.drug_id) == ("dermatomyositis", "upadacitinib")


def test_doi_and_pmid_are_normalised():
    rec = validate_record(
        {**GOOD, "doi": "https://doi.org/10.1002/art.41602", "pmid": "PMID:1"}, KB
    )
    assert (rec.doi, rec.pmid) == ("10.1002/art.41602", "1")


def test_validate_record_raises_with_every_problem():
    with pytest.raises(InvalidRecordError) as err:
        validate_record({**GOOD, "n_patients": "-1", "age_years": "200"}, KB)
    assert {p.field for p in err.value.problems} == {"n_patients", "age_years"}


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("12 weeks (primary endpoint)", 12),
        ("week 4", 4),
        ("day 28", 4),
        ("~6 months", 26.089),
        ("2 years", 104.355),
        ("1-2 months", None),
        ("", None),
    ],
)
def test_simple_durations_are_read_as_weeks(text, weeks):
    assert parse_duration_weeks(text) == (pytest.approx(weeks, abs=1e-3) if weeks else None)


def test_content_hash_ignores_case_id_and_follows_content():
    a = validate_record({**GOOD, "case_id": "a1"}, KB)
    b = validate_record({**GOOD, "case_id": "b2"}, KB)
    c = validate_record({**GOOD, "n_patients": "5"}, KB)
    assert a.content_hash() == b.content_hash() != c.content_hash()
    assert validate_record(GOOD, KB).with_case_id().case_id.startswith("u-")
