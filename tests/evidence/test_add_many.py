"""``EvidenceStore.add_many``: a batch of records is stored all or none (issue 16, item 2)."""

import pytest

from jakpath.evidence import InvalidRecordError


def _record(**changes):
    record = {
        "disease_id": "alopecia_areata",
        "drug_id": "baricitinib",
        "outcome": "partial",
        "study_type": "case_report",
        "source_ids": "user_report",
        "doi": "10.1000/batch",
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(
    "bad",
    [
        _record(case_id="b-1", outcome="none"),  # id of the batch's first record
        _record(case_id="kb:case001", outcome="none"),  # reserved
        _record(dose_mg=True),  # a boolean is not a number
    ],
    ids=["duplicate-id", "reserved-id", "boolean"],
)
def test_one_bad_record_stores_nothing(store, bad):
    before = store.count()
    with pytest.raises(InvalidRecordError) as err:
        store.add_many([_record(case_id="b-1"), _record(case_id="b-2", outcome="complete"), bad])
    assert "record 2." in str(err.value)
    assert store.count() == before


def test_batch_reports_records_already_stored(store):
    first = store.add_many([_record(case_id="s-1")], added_by="alice")
    assert [r.added for r in first] == [True]
    again = store.add_many(
        [_record(case_id="s-1"), _record(case_id="s-2", outcome="none")], added_by="alice"
    )
    assert [(r.case_id, r.added) for r in again] == [("s-1", False), ("s-2", True)]
    assert store.count() == len(store.kb.cases) + 2
