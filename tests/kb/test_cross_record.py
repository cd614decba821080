"""Cross-record consistency (issue 16, item 9): unit slips that stay inside plausible ranges."""

import csv
import shutil
from pathlib import Path

from jakpath.kb.load import default_data_dir
from jakpath.kb.validate import errors, validate


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def _set(path: Path, match: dict, column: str, value: str) -> int:
    """Set ``column`` of the first row matching ``match``; return that row's line number."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    lines = [
        i + 2
        for i, row in enumerate(rows[1:])
        if all(row[header.index(k)] == v for k, v in match.items())
    ]
    assert lines, f"no row {match} in {path.name}"
    rows[lines[0] - 1][header.index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return lines[0]


def _consistency(problems, file, line, severity=None):
    return [
        p
        for p in problems
        if p.kind == "consistency"
        and p.file == file
        and p.line == line
        and (severity is None or p.severity == severity)
    ]


def test_ic50_typed_in_uM_as_nM_is_flagged(tmp_path):
    data = _copy(tmp_path)
    # tofacitinib EPO/TF1 cellular IC50 107 nM (ChEMBL CHEMBL4033007) typed as 0.107
    line = _set(data / "cellular_potency.csv", {"record_id": "cell0001"}, "value_nM", "0.107")
    found = _consistency(validate(data), "cellular_potency.csv", line, "warning")
    assert found and "peers" in found[0].message


def test_a_record_the_curator_excluded_takes_no_part_in_the_peer_check(tmp_path):
    data = _copy(tmp_path)
    line = _set(data / "cellular_potency.csv", {"record_id": "cell0001"}, "value_nM", "0.107")
    with (data / "potency_curation.csv").open("a", encoding="utf-8") as fh:
        fh.write("cell0001,cellular_potency,exclude,test: typed in uM,chembl,test\n")
    assert not _consistency(validate(data), "cellular_potency.csv", line)


def test_clearance_ten_fold_too_high_is_an_error(tmp_path):
    data = _copy(tmp_path)
    # Vong 2021 tofacitinib CL/F 26.3 L/h (Table 3) typed as 263
    line = _set(
        data / "pk_parameters.csv",
        {"model_id": "tofacitinib_ir_vong2021", "parameter": "CL_F"},
        "value",
        "263",
    )
    found = _consistency(errors(validate(data)), "pk_parameters.csv", line)
    assert found and "half-life" in found[0].message


def test_clearance_and_volume_swapped_is_an_error(tmp_path):
    data = _copy(tmp_path)
    path = data / "pk_parameters.csv"
    line = _set(
        path, {"model_id": "tofacitinib_ir_vong2021", "parameter": "CL_F"}, "value", "115.8"
    )
    _set(path, {"model_id": "tofacitinib_ir_vong2021", "parameter": "V_F"}, "value", "26.3")
    found = _consistency(errors(validate(data)), "pk_parameters.csv", line)
    assert found and "swapped" in found[0].message


def test_binding_fraction_with_unit_percent_is_an_error(tmp_path):
    data = _copy(tmp_path)
    line = _set(
        data / "drug_properties.csv",
        {"drug_id": "baricitinib", "property": "plasma_protein_binding"},
        "value",
        "0.5",
    )
    found = _consistency(errors(validate(data)), "drug_properties.csv", line)
    assert any("fraction" in p.message for p in found)


def test_shipped_data_have_no_cross_record_errors():
    assert [p for p in errors(validate()) if p.kind == "consistency"] == []
