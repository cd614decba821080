"""The command line: cited facts, formats, figures, and exit code 2 with suggestions."""

import csv
import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import jakpath
from jakpath.cli.main import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_version_shows_code_and_data_version():
    r = run("--version")
    assert r.exit_code == 0
    assert "data 2026" in r.output


@pytest.mark.parametrize(
    "args",
    [
        ("drug", "Rinvoq"),
        ("drug", "ABT-494"),
        ("cytokine", "IL-15"),
        ("disease", "Dermatomyositis"),
        ("kb", "stats"),
    ],
)
def test_entity_commands_json(args):
    r = run(*args, "--format", "json")
    assert r.exit_code == 0, r.output
    payload = json.loads(r.output)
    assert payload["data_version"]
    assert payload["rows"]


def test_drug_table_cites_sources():
    r = run("drug", "tofacitinib")
    assert r.exit_code == 0
    assert "CHEMBL" in r.output and "source" in r.output.lower()


def test_disease_csv_has_weights():
    r = run("disease", "atopic dermatitis", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert abs(sum(float(x["weight"]) for x in rows) - 1) < 1e-5  # CSV: 6 significant digits
    assert {x["data_version"] for x in rows} == {jakpath.load_kb().version}


@pytest.mark.parametrize(
    "args,fragment",
    [
        (("drug", "tofacitnib"), "Tofacitinib"),
        (("disease", "DM"), "Dermatomyositis"),
        (("cytokine", "IL-99"), "Unknown cytokine"),
        (("simulate", "tofacitinib", "0 mg bid"), "positive"),
        (("simulate", "tofacitinib", "five mg bid"), "not a number"),
        (("simulate", "tofacitinib", "5 mL bid"), "unknown dose unit"),
        (("simulate", "pacritinib", "200 mg bid"), "no PK model"),
        (("inhibition", "pacritinib", "200 mg bid"), "no PK model"),
        (("inhibition", "tofacitinib", "5 mg bid", "--pathway", "IL-17A"), "does not signal"),
        (("rank", "psoriasis", "--include", "tofacitinib"), "DRUG REGIMEN"),
        (("explain", "psoriasis", "tofacitinib", "5 mg every 0 h"), "positive"),
    ],
)
def test_bad_input_exits_2_with_message(args, fragment):
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert fragment in r.output
    assert "Traceback" not in r.output


def test_simulate_and_inhibition_outputs(tmp_path):
    r = run(
        "simulate", "tofacitinib", "5 mg bid", "--format", "csv", "--plot", str(tmp_path / "c.png")
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "c.png").stat().st_size > 1000
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {"time_h", "conc_total_nM", "conc_unbound_nM", "conc_total_ng_per_mL"} <= set(rows[0])
    r = run(
        "inhibition",
        "baricitinib",
        "4 mg qd",
        "--format",
        "json",
        "--plot",
        str(tmp_path / "i.svg"),
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rows"]
    assert all(x["tier"] and x["basis"] for x in rows)
    assert (tmp_path / "i.svg").read_text().startswith("<?xml")


def test_rank_plot_and_explain(tmp_path):
    r = run("rank", "vitiligo", "--top", "3", "--plot", str(tmp_path / "r.png"), "--no-stability")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "r.png").exists()
    r = run("explain", "vitiligo", "ruxolitinib", "10 mg bid")
    assert r.exit_code == 0, r.output
    assert "IFNG" in r.output and "not medical advice" in r.output


def test_potency_and_checks():
    r = run("potency", "upadacitinib", "--format", "json")
    assert r.exit_code == 0
    tiers = {x["tier"] for x in json.loads(r.output)["rows"]}
    assert "measured_whole_blood" in tiers
    r = run("potency", "check")
    assert r.exit_code == 0 and "median fold error" in r.output
    r = run("pk", "check", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.output)["rows"]


def test_kb_validate_ok():
    r = run("kb", "validate")
    assert r.exit_code == 0


def test_unwritable_output_path_exits_2(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "c.png"
    r = run("simulate", "tofacitinib", "5 mg bid", "--plot", str(missing))
    assert r.exit_code == 2
    assert "cannot access" in r.output and "Traceback" not in r.output


def test_csv_reads_with_plain_pandas_and_rounds_floats():
    r = run("inhibition", "tofacitinib", "5 mg bid", "--format", "csv")
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout))  # no options: no comment line to skip
    assert set(df.data_version) == {jakpath.load_kb().version}
    floats = df.select_dtypes("float")
    assert not floats.empty
    for col in floats:  # six significant digits at most
        assert all(v == float(f"{v:.6g}") for v in floats[col].dropna()), col


def test_pathways_alias_takes_lists_and_backend_is_a_choice():
    r = run("inhibition", "tofacitinib", "5 mg bid", "--pathways", "IL-2,IL6", "-f", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["rows"]
    assert [(x["cytokine"], x["cytokine_name"]) for x in rows] == [
        ("IL2", "Interleukin-2"),
        ("IL6", "Interleukin-6"),
    ]
    r = run("population", "tofacitinib", "5 mg bid", "--n", "10", "--backend", "tpu")
    assert r.exit_code == 2
    assert "numpy" in r.output and "dask" in r.output
