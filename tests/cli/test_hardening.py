"""CLI hardening (issue 16): bad files and absurd regimens give a message and exit 2, never a
traceback; a file that is not a database is never overwritten."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from jakpath.cli.main import app
from jakpath.kb.load import default_data_dir

runner = CliRunner()

RECORD = {
    "disease_id": "vitiligo",
    "drug_id": "ruxolitinib",
    "outcome": "partial",
    "study_type": "case_report",
    "source_ids": "x",
    "doi": "10.1000/x",
}


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    result.text = " ".join(result.output.split())  # rich wraps long messages
    return result


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "store.db"


def _json_file(tmp_path, text):
    path = tmp_path / "records.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text,fragment",
    [
        (json.dumps([RECORD]).rstrip("}]") + f', "dose_mg": {"9" * 400}}}]', "too large"),
        ("[" * 3500 + "]" * 3500, "nested too deeply"),
        (json.dumps([RECORD]).rstrip("}]") + ', "dose_mg": NaN}]', "NaN"),
        (json.dumps([RECORD]).rstrip("}]") + ', "dose_mg": true}]', "dose_mg"),
    ],
    ids=["huge-integer", "deep-nesting", "nan", "boolean"],
)
def test_cases_import_bad_json_exits_2(tmp_path, db, text, fragment):
    r = run("cases", "import", _json_file(tmp_path, text), "--db", db)
    assert r.exit_code == 2, r.output
    assert fragment in r.text


@pytest.mark.parametrize(
    "content", [b"x", b"this is a text file, not a database\n" * 3], ids=["1-byte", "text"]
)
def test_non_database_file_is_refused_and_kept(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    r = run("cases", "list", "--db", path)
    assert r.exit_code == 2, r.output
    assert "not a SQLite database" in r.text
    assert path.read_bytes() == content  # never overwritten


def test_empty_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "new.db"
    path.write_bytes(b"")
    r = run("cases", "list", "--db", path, "--format", "json")
    assert r.exit_code == 0, r.output
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


def _data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def test_kb_validate_latin1_csv_names_the_file_and_line(tmp_path):
    data = _data_copy(tmp_path)
    path = data / "drugs.csv"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ",Pr\u00e9cis ", 1)  # an accented letter on line 4
    path.write_bytes("".join(lines).encode("latin-1", errors="replace"))
    r = run("kb", "validate", "--data-dir", data)
    assert r.exit_code == 1, r.output
    assert "drugs.csv is not UTF-8" in r.text and "line 4" in r.text
    assert "Traceback" not in r.text


def test_kb_validate_accepts_a_csv_with_byte_order_mark(tmp_path):
    data = _data_copy(tmp_path)
    for name in ("drugs.csv", "cytokines.csv"):
        path = data / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    r = run("kb", "validate", "--data-dir", data)
    assert r.exit_code == 0, r.output
    assert "knowledge base valid" in r.text


@pytest.mark.parametrize("command", ["inhibition", "simulate"])
@pytest.mark.parametrize(
    "regimen,fragment",
    [
        ("1e308 mg qd", "accepted range"),
        ("5 mg every 1e-300h", "accepted range"),
        ("1e400 mg qd", "finite"),
    ],
)
def test_absurd_regimens_exit_2_with_the_range(command, regimen, fragment):
    r = run(command, "tofacitinib", regimen)
    assert r.exit_code == 2, r.output
    assert fragment in r.text


def test_unusual_regimen_is_computed_and_flagged():
    r = run("simulate", "tofacitinib", "5 mg every 2h", "--format", "json")
    assert r.exit_code == 0, r.output
    assert "unusual interval" in r.text


def test_export_to_a_directory_exits_2_and_leaves_no_tmp_file(tmp_path, db):
    out = tmp_path / "out"
    out.mkdir()
    r = run("cases", "export", "--out", out, "--db", db)
    assert r.exit_code == 2, r.output
    assert "directory" in r.text
    assert list(tmp_path.glob("*.tmp")) == [] and list(out.iterdir()) == []


def test_csv_export_neutralises_formulas_and_round_trips(tmp_path, db):
    record = {**RECORD, "note": "=HYPERLINK(1)", "outcome_text": "@SUM(A1)", "regimen_text": "-5"}
    src = _json_file(tmp_path, json.dumps([record]))
    assert run("cases", "import", src, "--db", db).exit_code == 0
    out = tmp_path / "export.csv"
    assert run("cases", "export", "--out", out, "--db", db).exit_code == 0
    cells = [c for line in out.read_text().splitlines() for c in line.split(",")]
    assert "'=HYPERLINK(1)" in cells and "'@SUM(A1)" in cells
    assert not any(c.startswith(("=", "@", "+")) for c in cells)
    # re-importing the export into a fresh store restores the original text
    fresh = tmp_path / "fresh.db"
    assert run("cases", "import", out, "--db", fresh).exit_code == 0
    r = run("cases", "list", "--db", fresh, "--format", "json")
    rows = json.loads(r.stdout)["rows"]
    assert any(x["note"] == "=HYPERLINK(1)" and x["outcome_text"] == "@SUM(A1)" for x in rows)


def test_kb_validate_missing_directory_exits_2(tmp_path):
    r = run("kb", "validate", "--data-dir", tmp_path / "nowhere")
    assert r.exit_code == 2, r.output
    assert "no such directory" in r.text
