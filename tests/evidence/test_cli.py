"""``jakpath cases``: list, add, import, export, summary; bad input exits 2, writes nothing."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from jakpath import evidence
from jakpath.cli.cases import app
from jakpath.kb import load_kb

KB = load_kb()
N_KB = len(KB.cases)
runner = CliRunner()
ADD = [
    "add",
    "--disease",
    "Alopecia areata",
    "--drug",
    "Olumiant",
    "--outcome",
    "complete",
    "--study-type",
    "case_report",
    "--n-patients",
    "1",
    "--source",
    "doe2024",
    "--pmid",
    "31234567",
    "--dose-mg",
    "4",
    "--interval-h",
    "24",
    "--age-years",
    "34",
    "--time-to-response-weeks",
    "12",
    "--added-by",
    "alice",
]


@pytest.fixture
def cli(store):
    """Run ``jakpath cases ...`` against the test store; returns (result, store)."""

    def invoke(*args, input=None):
        return runner.invoke(app, [*args, "--db", store.url], input=input)

    invoke.store = store
    return invoke


def test_list_as_json_and_csv(cli):
    r = cli("list", "--disease", "dermatomyositis", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["rows"]
    assert len(rows) == (KB.cases.disease_id == "dermatomyositis").sum()
    assert {x["disease_id"] for x in rows} == {"dermatomyositis"}
    r = cli("list", "--drug", "Rinvoq", "--format", "csv")
    assert r.exit_code == 0, r.output
    body = [ln for ln in r.output.splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    # records naming upadacitinib among several drugs ("a or b") match the filter too
    assert rows and all("upadacitinib" in x["drug_id"].split(";") for x in rows)


def test_list_table_shows_the_records(cli):
    r = cli("list", "--disease", "morphea")
    assert r.exit_code == 0, r.output
    assert "kb:case029" in r.output and "tofacitinib" in r.output


def test_unknown_names_exit_2_with_the_closest_names(cli):
    r = cli("list", "--drug", "tofacitnib")
    assert r.exit_code == 2
    assert "Did you mean: Tofacitinib" in r.output
    r = cli("summary", "dermatomyosits")
    assert r.exit_code == 2
    assert "Dermatomyositis" in r.output


def test_add_stores_a_record_with_its_account(cli):
    r = cli(*ADD)
    assert r.exit_code == 0, r.output
    assert "added u-" in r.output
    df = evidence.list_cases(origin="user", store=cli.store)
    assert list(df.added_by) == ["alice"]
    assert (df.disease_id[0], df.drug_id[0], df.time_to_response_weeks[0]) == (
        "alopecia_areata",
        "baricitinib",
        12.0,
    )
    r = cli(*ADD)
    assert r.exit_code == 0 and "nothing added" in r.output
    assert cli.store.count() == N_KB + 1


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--n-patients", "-3", "must be >= 1"),
        ("--age-years", "130", "<= 120"),
        ("--time-to-response-weeks", "-2", "before treatment"),
        ("--drug", "olumiantt", "Did you mean: Baricitinib"),
        ("--note", "seen 01/04/2023", "date (day/month/year)"),
        ("--outcome-text", "tel 555-123-4567", "phone number"),
        ("--note", "MRN 1234567", "long digit run"),
        ("--prior-failed", "ask jd@example.org", "e-mail address"),
    ],
)
def test_add_rejects_bad_values_with_exit_2_and_writes_nothing(cli, flag, value, words):
    args = list(ADD)
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    r = cli(*args)
    assert r.exit_code == 2, r.output
    assert words in " ".join(r.output.split())
    assert flag in r.output  # the message names the field's flag
    assert cli.store.count() == N_KB


def test_add_without_required_fields_lists_them_when_not_interactive(cli):
    r = cli("add", "--disease", "vitiligo", "--no-prompt")
    assert r.exit_code == 2
    for flag in ("--drug", "--outcome", "--study-type", "--source", "--doi"):
        assert flag in r.output
    assert cli.store.count() == N_KB


def test_add_prompts_for_missing_required_fields(cli):
    answers = "ritlecitinib\npartial\ncase_series\nroe2025\n10.1000/xyz.2\n"
    r = cli("add", "--disease", "vitiligo", "--n-patients", "5", "--prompt", input=answers)
    assert r.exit_code == 0, r.output
    df = evidence.list_cases(origin="user", store=cli.store)
    assert (df.drug_id[0], df.doi[0], df.n_patients[0]) == ("ritlecitinib", "10.1000/xyz.2", 5)


def test_import_export_round_trip(cli, tmp_path):
    assert cli(*ADD).exit_code == 0
    out = tmp_path / "cases.csv"
    r = cli("export", "--format", "csv", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert len(list(csv.DictReader(out.open()))) == N_KB + 1
    r = cli("import", str(out), "--added-by", "bob")
    assert r.exit_code == 0, r.output
    assert f"{N_KB + 1} row(s): 0 added, {N_KB + 1} already stored" in r.output
    r = cli("export", "--format", "json")
    assert r.exit_code == 0
    assert len(json.loads(r.output)["rows"]) == N_KB + 1


def test_import_of_a_bad_file_exits_2_listing_every_bad_line(cli, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "disease_id,drug_id,n_patients,outcome,study_type,source_ids,pmid\n"
        "vitiligo,ritlecitinib,3,partial,case_series,a1,31234567\n"
        "vitiligo,ritlecitinib,-1,partial,case_series,a2,31234568\n"
        "vitiligo,ritlecitinib,3,great,case_series,a3,31234569\n"
    )
    r = cli("import", str(f))
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "line 3: n_patients" in text and "line 4: outcome" in text
    assert "nothing imported" in text
    assert cli.store.count() == N_KB


def test_import_of_a_malformed_file_exits_2(cli, tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('[{"disease_id": "vitiligo"')
    r = cli("import", str(f))
    assert r.exit_code == 2
    assert "invalid JSON" in r.output
    assert cli("import", str(tmp_path / "missing.csv")).exit_code == 2


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_summary_table_and_forest_plot(cli, tmp_path, suffix):
    plot = tmp_path / f"forest{suffix}"
    r = cli("summary", "morphea", "--plot", str(plot))
    assert r.exit_code == 0, r.output
    assert "tofacitinib" in r.output and "Clopper-Pearson" in r.output
    assert "4/4 = 1.00" in r.output  # responders / evaluable patients
    head = plot.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in head


def test_summary_json_has_the_intervals(cli):
    r = cli("summary", "dermatomyositis", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = {x["drug_id"]: x for x in json.loads(r.output)["rows"]}
    tofa = rows["tofacitinib"]
    assert tofa["response_ci_low"] < tofa["response_fraction"] <= tofa["response_ci_high"] <= 1


def test_summary_plot_must_be_png_or_svg(cli, tmp_path):
    r = cli("summary", "morphea", "--plot", str(tmp_path / "x.gif"))
    assert r.exit_code == 2
    assert ".png or .svg" in r.output


def test_a_bad_database_url_exits_2():
    r = runner.invoke(app, ["list", "--db", "nosuchdialect://x/y"])
    assert r.exit_code == 2
    assert "cannot use database URL" in r.output
