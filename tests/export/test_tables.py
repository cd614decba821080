"""Table and result exports: CSV/Parquet content against the KB files, and the manifest."""

import csv
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jakpath
from jakpath.cli.export import app
from jakpath.export.manifest import verify_manifest
from jakpath.export.tables import MissingDependencyError, write_results, write_tables
from jakpath.kb.load import default_data_dir
from jakpath.kb.tables import TABLES

DATA = default_data_dir()


def _raw(name):
    """A KB table read straight from its CSV file(s), cells as stripped strings."""
    table = TABLES[name]
    paths = sorted(DATA.glob(f"{name}*.csv")) if table.multi_file else [DATA / f"{name}.csv"]
    rows = []
    for p in paths:
        if not p.exists():
            continue
        with p.open(newline="", encoding="utf-8") as fh:
            rows += [
                {k.strip(): (v or "").strip() for k, v in r.items()}
                for r in csv.DictReader(fh)
                if any((v or "").strip() for v in r.values())
            ]
    return rows


def _same(raw: str, exported) -> bool:
    if raw == "":
        return exported is None or (isinstance(exported, float) and np.isnan(exported))
    try:
        return float(raw) == float(exported)
    except (TypeError, ValueError):
        return raw == str(exported)


@pytest.fixture(scope="module")
def csv_dir(kb, tmp_path_factory):
    out = tmp_path_factory.mktemp("tables_csv")
    write_tables(out, kb, "csv")
    return out


def test_every_table_written_with_the_kb_values(csv_dir, kb):
    assert set(kb.tables) == set(TABLES)
    for name in kb.tables:
        df = pd.read_csv(csv_dir / f"{name}.csv", keep_default_na=False, na_values=[""])
        raw = _raw(name)
        assert len(df) == len(raw), name
        assert list(df.columns) == TABLES[name].column_names, name
        for i, row in enumerate(raw):
            for col in TABLES[name].column_names:
                got = df.at[i, col]
                got = None if pd.isna(got) else got
                assert _same(row.get(col, ""), got), (name, i, col, row.get(col), got)


def test_integer_columns_stay_integers(csv_dir):
    text = (csv_dir / "approvals.csv").read_text()
    assert ",2012," in text and "2012.0" not in text


def test_manifest(csv_dir, kb):
    manifest = json.loads((csv_dir / "manifest.json").read_text())
    assert manifest["kind"] == "kb_tables"
    assert manifest["data_version"] == (DATA / "VERSION").read_text().strip() == kb.version
    assert manifest["jakpath_version"] == jakpath.__version__
    created = datetime.strptime(manifest["created_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(0) <= datetime.now(UTC) - created < timedelta(hours=1)
    assert [f["name"] for f in manifest["files"]] == [f"{n}.csv" for n in TABLES]
    for f in manifest["files"]:
        data = (csv_dir / f["name"]).read_bytes()
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
        assert f["bytes"] == len(data)
        assert f["rows"] == len(_raw(f["table"]))
    assert [s["source_id"] for s in manifest["sources"]] == [
        r["source_id"] for r in _raw("sources")
    ]
    assert verify_manifest(csv_dir) == []
    (csv_dir / "jaks.csv").write_text("tampered\n")
    assert verify_manifest(csv_dir) == ["jaks.csv: checksum differs"]


def test_parquet_equals_csv(kb, tmp_path):
    write_tables(tmp_path / "pq", kb, "parquet")
    write_tables(tmp_path / "csv", kb, "csv")
    manifest = json.loads((tmp_path / "pq" / "manifest.json").read_text())
    assert {f["format"] for f in manifest["files"]} == {"parquet"}
    for name in kb.tables:
        pq = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        cs = pd.read_csv(tmp_path / "csv" / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert len(pq) == len(cs) and list(pq.columns) == list(cs.columns), name
        for col in pq.columns:
            a = pq[col].to_numpy(dtype=object)
            b = cs[col].to_numpy(dtype=object)
            for x, y in zip(a, b, strict=True):
                if pd.isna(x) or (isinstance(x, str) and x == ""):
                    assert pd.isna(y) or y == "", (name, col)
                else:
                    assert _same(str(y), x), (name, col, x, y)


def test_parquet_without_pyarrow_names_the_package(kb, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    with pytest.raises(MissingDependencyError, match="pyarrow"):
        write_tables(tmp_path, kb, "parquet")
    result = CliRunner().invoke(app, ["tables", str(tmp_path), "--format", "parquet"])
    assert result.exit_code == 1 and "pyarrow" in result.output
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_results_export(kb, tmp_path):
    out = tmp_path / "res"
    result = CliRunner().invoke(
        app,
        [
            "results",
            str(out),
            "--drug",
            "Rinvoq",
            "--regimen",
            "15 mg qd",
            "--disease",
            "atopic dermatitis",
            "--no-stability",
        ],
    )
    assert result.exit_code == 0, result.output
    assert kb.version in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "results" and manifest["data_version"] == kb.version
    assert manifest["parameters"]["drug_id"] == "upadacitinib"
    assert manifest["parameters"]["disease_id"] == "atopic_dermatitis"
    names = {f["table"] for f in manifest["files"]}
    assert names == {"simulation", "inhibition", "potency", "pk_model", "ranking"}
    assert verify_manifest(out) == []
    sim = pd.read_csv(out / "simulation.csv")
    ref = jakpath.simulate("upadacitinib", "15 mg qd", kb=kb)
    assert np.allclose(sim.conc_total_nM, ref.conc_total_nM, rtol=1e-12)
    inh = pd.read_csv(out / "inhibition.csv").set_index("cytokine")
    ref_inh = jakpath.inhibition("upadacitinib", "15 mg qd", kb=kb).set_index("cytokine")
    assert np.allclose(inh.loc[ref_inh.index, "mean_inhibition"], ref_inh.mean_inhibition)
    ranking = pd.read_csv(out / "ranking.csv")
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    # "15 mg qd" of Rinvoq is the marketed XR tablet: the label row, listed once
    rinvoq = ranking[(ranking.drug == "upadacitinib") & (ranking.regimen == "15 mg qd XR")]
    assert len(rinvoq) == 1
    for f in manifest["files"]:
        assert f["rows"] == len(pd.read_csv(out / f["name"]))


def test_results_parquet_and_without_disease(kb, tmp_path):
    manifest = write_results(tmp_path, "tofacitinib", "5 mg bid", kb=kb, fmt="parquet")
    assert {f["table"] for f in manifest["files"]} == {
        "simulation",
        "inhibition",
        "potency",
        "pk_model",
    }
    pk = pd.read_parquet(tmp_path / "pk_model.parquet").set_index("parameter")
    assert pk.loc["CL_F", "value"] == jakpath.pk_model("tofacitinib", kb=kb).params["CL_F"]


def test_bad_format_and_names(kb, tmp_path):
    with pytest.raises(ValueError, match="csv, parquet"):
        write_tables(tmp_path, kb, "xlsx")
    bad = CliRunner().invoke(app, ["results", str(tmp_path), "--drug", "x", "--regimen", "1 mg"])
    assert bad.exit_code == 2
