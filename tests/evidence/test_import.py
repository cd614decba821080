"""Bulk import: all or nothing, every bad row by line, no duplicates, survives kill -9."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from jakpath import evidence
from jakpath.evidence.store import make_engine
from jakpath.kb import load_kb

KB = load_kb()
N_KB = len(KB.cases)
COLUMNS = ["disease_id", "drug_id", "n_patients", "outcome", "study_type", "source_ids", "pmid"]


def row(i, **changes):
    base = {
        "disease_id": "vitiligo",
        "drug_id": "ritlecitinib",
        "n_patients": str(i + 1),
        "outcome": "partial",
        "study_type": "case_series",
        "source_ids": f"src{i}",
        "pmid": str(30000000 + i),
    }
    return {**base, **changes}


def write_csv(path: Path, rows, columns=COLUMNS) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def test_a_csv_file_imports_and_reimporting_it_adds_nothing(store, tmp_path):
    f = write_csv(tmp_path / "new.csv", [row(i) for i in range(5)])
    first = evidence.import_file(f, store, added_by="alice")
    assert (first.rows, first.added, first.duplicates) == (5, 5, 0)
    again = evidence.import_file(f, store, added_by="bob")
    assert (again.rows, again.added, again.duplicates) == (5, 0, 5)
    users = evidence.list_cases(origin="user", store=store)
    assert len(users) == 5 and set(users.added_by) == {"alice"}
    assert store.count() == N_KB + 5


def test_duplicate_rows_within_a_file_are_added_once(store, tmp_path):
    f = write_csv(tmp_path / "dup.csv", [row(1), row(2), row(1)])
    result = evidence.import_file(f, store, added_by="alice")
    assert (result.added, result.duplicates) == (2, 1)


def test_one_bad_row_imports_nothing_and_every_bad_row_is_reported_by_line(store, tmp_path):
    rows = [
        row(0, note="line 2: fine,\nwith a line break inside the cell"),  # lines 2-3
        row(1, n_patients="-4"),  # line 4
        row(2),  # line 5
        row(3, drug_id="tofacitnib", note="seen 2023-04-01"),  # line 6
        row(4),  # line 7
    ]
    f = write_csv(tmp_path / "bad.csv", rows, [*COLUMNS, "note"])
    with pytest.raises(evidence.ImportValidationError) as err:
        evidence.import_file(f, store, added_by="alice")
    found = {(p.line, p.field) for p in err.value.problems}
    assert found == {(4, "n_patients"), (6, "drug_id"), (6, "note")}
    message = str(err.value)
    assert "2 bad row(s) (line(s) 4, 6); nothing imported" in message
    assert "Did you mean: Tofacitinib" in message
    assert "date (year-month-day)" in message
    assert store.count() == N_KB


def test_json_arrays_report_the_line_of_each_bad_object(store, tmp_path):
    records = [row(0), row(1, age_years=130), row(2)]
    f = tmp_path / "cases.json"
    f.write_text(json.dumps(records, indent=2))
    line_of_second = f.read_text().splitlines().index("  {", 2) + 1
    with pytest.raises(evidence.ImportValidationError) as err:
        evidence.import_file(f, store, added_by="alice")
    assert [(p.line, p.field) for p in err.value.problems] == [(line_of_second, "age_years")]
    assert store.count() == N_KB


def test_an_export_reimports_as_duplicates_only(store, tmp_path):
    evidence.add_case(row(7), store, added_by="alice")
    for fmt in ("csv", "json"):
        out = tmp_path / f"all.{fmt}"
        evidence.export_cases(fmt, out, store)
        result = evidence.import_file(out, store, added_by="bob")
        assert (result.rows, result.added, result.duplicates) == (N_KB + 1, 0, N_KB + 1)
    assert store.count() == N_KB + 1


def test_a_changed_export_row_keeps_its_case_id_only_if_unused(store, tmp_path):
    out = tmp_path / "all.json"
    evidence.export_cases("json", out, store, disease="morphea")
    data = json.loads(out.read_text())
    edited = next(r for r in data["rows"] if r["study_type"] == "case_series")
    edited["n_patients"] = 9  # a shipped record, edited
    out.write_text(json.dumps(data, indent=1))
    with pytest.raises(evidence.ImportValidationError, match="shipped records"):
        evidence.import_file(out, store, added_by="bob")
    assert store.count() == N_KB


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("bad.json", '[{"disease_id": "vitiligo",}\n]', "line 1: invalid JSON"),
        ("scalar.json", '{"a": 1}', "expected a JSON array"),
        ("strings.json", '["a", "b"]', "line 1: a record must be a JSON object"),
        ("empty.csv", "", "empty file"),
        ("ragged.csv", "disease_id,drug_id\nvitiligo\n", "line 2: 1 cells for 2 columns"),
        ("header.csv", "disease_id,disease_id\nx,y\n", "name every column once"),
        ("cases.xlsx", "x", "must end in .csv or .json"),
        ("latin1.csv", b"disease_id\nvitiligo \xe9\n", "cannot read as UTF-8"),
    ],
)
def test_malformed_files_are_clear_errors_and_write_nothing(store, tmp_path, name, content, words):
    f = tmp_path / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(evidence.MalformedFileError, match=words):
        evidence.import_file(f, store, added_by="alice")
    assert store.count() == N_KB


KILLED_IMPORT = """
import sys, time
from pathlib import Path
from jakpath import evidence

url, path, marker = sys.argv[1:]

def progress(done, total):
    if done >= 400:
        Path(marker).write_text(f"{done}/{total}")
        time.sleep(120)  # killed here, mid-transaction, rows already sent

evidence.import_file(path, url, added_by="alice", progress=progress)
"""


def test_an_import_killed_midway_leaves_the_store_unchanged_and_readable(db_url, tmp_path):
    store = evidence.open_store(db_url)
    before = evidence.export_cases("csv", None, store)
    store.close()
    big = write_csv(tmp_path / "big.csv", [row(i) for i in range(1500)])
    marker = tmp_path / "inside-transaction"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_IMPORT, db_url, str(big), str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "import never reached the hook"
            time.sleep(0.05)
        assert marker.read_text() == "400/1500"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    store = evidence.open_store(db_url)
    assert store.count() == N_KB
    assert evidence.export_cases("csv", None, store) == before
    if store.dialect == "sqlite":
        engine = make_engine(db_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        engine.dispose()
    # the store is writable again: the same import now succeeds in full
    assert evidence.import_file(big, store, added_by="alice").added == 1500
    assert store.count() == N_KB + 1500
    store.close()
