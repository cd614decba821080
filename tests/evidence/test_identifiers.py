"""Identifier screening (issue 16, item 8): what the evidence page and docs say is rejected is
rejected, in every screened field; ordinary clinical wording and citations still pass."""

import pytest

from jakpath.evidence import find_identifier, validate_record
from jakpath.evidence.store import kb_records
from jakpath.evidence.validate import FREE_TEXT_FIELDS, InvalidRecordError
from jakpath.kb import load_kb

KB = load_kb()

IDENTIFIERS = [
    # names
    "Patient John Smith improved",
    "Dr. Jane Doe reported the case",
    "seen by Dr Brown at week 4",
    "Mrs Patel responded",
    "patient: Maria Garcia",
    "her mother Anna Schmidt had lupus",
    "name: Peter Miller",
    # addresses and postcodes
    "lives at 221B Baker Street",
    "12 Elm Road, Leeds",
    "1600 Pennsylvania Avenue",
    "postcode SW1A 1AA",
    "Springfield, IL 62704",
    "ZIP 62704-1234",
    # numbers that identify
    "SSN 123-45-6789",
    "123-45-6789",
    "MRN 12345",
    "MRN: A1234-567",
    "hospital number 98765",
    "record no. 4431",
    "ID: 55-812",
    "NHS 943 476 5919",
    "patient id AB12345",
    # dates
    "2023-05-01",
    "2023-05-01T10:30:00Z",
    "seen on 2023-05-01T10:30",
    "03/04/2021",
    "3.4.21",
    "12 March 2020",
    "March 12, 2020",
    "born March 1985",
    "born in 1985",
    "DOB 1985",
    "started in January 2021",
    "on 3 March treatment began",
    "admitted June 5th",
    # contact details
    "john.smith@example.com",
    "john . smith @ example . com",
    "john [at] example [dot] com",
    "john(at)example(dot)org",
    "+44 20 7946 0958",
    "(555) 123-4567",
    "555-123-4567",
    "IP 192.168.1.20",
    # disguised numbers
    "record 12\u200b34\u200b56\u200b78",
    "\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # full-width digits
    "12\u00ad34\u00ad56\u00ad78",  # soft hyphens
    # a citation prefix before a number that is not an identifier of that kind
    "PMID 123456789012",
    "NCT123456789012",
    "CHEMBL12345678901",
]

CLINICAL = [
    "5 mg bid for 12 weeks, then 10 mg qd",
    "complete repigmentation at week 24; relapse after 6 months off drug",
    "herpes zoster (1 patient), acne, CK elevation 2x ULN",
    "methotrexate, IVIG, rituximab",
    "response within 4 weeks; SALT score 80 -> 10",
    "Table 2, patient 3",
    "adults 18-65 years; 60% F",
    "see PMID 31234567 and NCT01234567; CHEMBL221959; PMC6543210",
    "doi 10.1056/NEJMoa1912735",
    "Mayo Clinic cohort",
    "in May the dose was tapered",
    "IL-6 and IFN-gamma levels fell; CD4 count 450",
    "JAK1/JAK2 inhibition",
    "treated at a tertiary centre in Germany",
    "dose reduced to 2 mg after 3 months",
    "may respond within 8 weeks",
    "March 3 weeks after start",
]


@pytest.mark.parametrize("text", IDENTIFIERS)
def test_identifier_is_found(text):
    assert find_identifier(text) is not None, text


@pytest.mark.parametrize("text", IDENTIFIERS)
@pytest.mark.parametrize("field", ["note", "outcome_text"])
def test_record_with_identifier_is_rejected(text, field):
    record = {
        "disease_id": "vitiligo",
        "drug_id": "ruxolitinib",
        "outcome": "partial",
        "study_type": "case_report",
        "source_ids": "user_report",
        "doi": "10.1000/x",
        field: text,
    }
    with pytest.raises(InvalidRecordError) as err:
        validate_record(record, KB)
    assert field in str(err.value)


@pytest.mark.parametrize("text", CLINICAL)
def test_clinical_wording_passes(text):
    assert find_identifier(text) is None, (text, find_identifier(text))


@pytest.mark.parametrize(
    "field,value",
    [
        ("source_ids", "smith_john_1985-03-02"),
        ("source_ids", "mrn12345678"),
        ("doi", "10.1000/john.smith@example.com"),
        ("doi", "10.1000/MRN-12345"),
        ("case_id", "MRN12345"),
    ],
)
def test_citation_fields_are_screened(field, value):
    record = {
        "disease_id": "vitiligo",
        "drug_id": "ruxolitinib",
        "outcome": "partial",
        "study_type": "case_report",
        "source_ids": "user_report",
        "doi": "10.1000/x",
        field: value,
    }
    with pytest.raises(InvalidRecordError) as err:
        validate_record(record, KB)
    assert field in str(err.value)


def test_shipped_records_pass_the_screening():
    records = kb_records(KB)
    assert len(records) == len(KB.cases)


def test_every_free_text_field_is_screened():
    for field in FREE_TEXT_FIELDS:
        record = {
            "disease_id": "vitiligo",
            "drug_id": "ruxolitinib",
            "outcome": "partial",
            "study_type": "case_report",
            "source_ids": "user_report",
            "doi": "10.1000/x",
            field: "Dr. Jane Doe",
        }
        if field == "age_band":
            record[field] = "Dr. Jane Doe"
        with pytest.raises(InvalidRecordError):
            validate_record(record, KB)
