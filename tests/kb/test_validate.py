"""`jakpath kb validate` passes on the shipped data and catches each class of error."""

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jakpath.cli.main import app
from jakpath.kb.load import default_data_dir
from jakpath.kb.validate import errors, validate

runner = CliRunner()


def test_shipped_data_validate_without_errors():
    problems = errors(validate())
    assert problems == [], "\n".join(map(str, problems[:30]))


def test_cli_validate_exit_zero_on_shipped_data():
    result = runner.invoke(app, ["kb", "validate"])
    assert result.exit_code == 0, result.output[-3000:]
    assert "valid" in result.output


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def _edit(path: Path, row_index: int, column: str, value: str) -> int:
    """Set one cell of one data row; return the row's line number in the file."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    rows[row_index + 1][header.index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return row_index + 2


def _drop_column(path: Path, column: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([r[:i] + r[i + 1 :] for r in rows])


def _duplicate_first_row(path: Path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([*rows, rows[1]])


BREAKAGES = {
    # kind: (file, mutation) -> the validator must report that kind in that file
    "type": ("pk_parameters.csv", lambda p: _edit(p, 0, "value", "twelve")),
    "range": ("enzyme_potency.csv", lambda p: _edit(p, 0, "value_nM", "-3")),
    "unit": ("pk_parameters.csv", lambda p: _edit(p, 0, "unit", "mL/min")),
    "reference": ("disease_drivers.csv", lambda p: _edit(p, 0, "cytokine_id", "IL99")),
    "source": ("cellular_potency.csv", lambda p: _edit(p, 0, "source_ids", "")),
    "source_unknown": (
        "drug_properties.csv",
        lambda p: _edit(p, 0, "source_ids", "no_such_source"),
    ),
    "location": ("enzyme_potency.csv", lambda p: _edit(p, 0, "location", "")),
    "derived": (
        "pk_parameters.csv",
        lambda p: (_edit(p, 0, "quality", "derived"), _edit(p, 0, "derived_from", ""))[0],
    ),
    "duplicate": ("drugs.csv", _duplicate_first_row),
    "schema": ("cytokines.csv", lambda p: _drop_column(p, "jak_signalling")),
    "enum": ("cases.csv", lambda p: _edit(p, 0, "outcome", "great")),
}
EXPECTED_KIND = {
    "source_unknown": "source",
    "location": "source",
    "derived": "source",
    "enum": "schema",
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_each_broken_fixture_is_caught(tmp_path, breakage):
    data = _copy(tmp_path)
    file, mutate = BREAKAGES[breakage]
    mutate(data / file)
    problems = errors(validate(data))
    kind = EXPECTED_KIND.get(breakage, breakage)
    hits = [p for p in problems if p.kind == kind and p.file == file]
    assert hits, f"{breakage} not caught; got: {[str(p) for p in problems[:5]]}"
    result = runner.invoke(app, ["kb", "validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    assert file in result.output


def test_missing_table_file_is_caught(tmp_path):
    data = _copy(tmp_path)
    (data / "receptors.csv").unlink()
    problems = errors(validate(data))
    assert any("receptors.csv is missing" in p.message for p in problems)


def _drop_rows(path: Path, keep) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    kept = [r for r in rows[1:] if keep(dict(zip(header, r, strict=False)))]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *kept])


def test_every_drug_with_a_pk_model_has_an_unbound_fraction(tmp_path):
    data = _copy(tmp_path)
    _drop_rows(
        data / "drug_properties.csv",
        lambda r: (
            not (
                r["drug_id"] == "upadacitinib"
                and r["property"] in ("fraction_unbound", "plasma_protein_binding")
            )
        ),
    )
    problems = errors(validate(data))
    assert any(
        "upadacitinib has a PK model but no chosen fraction_unbound" in str(p) for p in problems
    )


def test_an_explicit_unknown_unbound_fraction_is_accepted_but_not_a_bare_empty_value(tmp_path):
    data = _copy(tmp_path)
    path = data / "drug_properties.csv"
    _drop_rows(
        path,
        lambda r: (
            not (
                r["drug_id"] == "ritlecitinib"
                and r["property"] in ("fraction_unbound", "plasma_protein_binding")
            )
        ),
    )
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(
            [
                "ritlecitinib",
                "fraction_unbound",
                "",
                "fraction",
                "no",
                "litfulo_uspi",
                "12.3",
                "assumption",
                "",
                "unknown: not reported in any source reached",
            ]
        )
    assert errors(validate(data)) == []
    _edit(path, -1 + sum(1 for _ in path.open()) - 1, "note", "not reported")
    assert any("drug_properties.value is empty" in str(p) for p in errors(validate(data)))
