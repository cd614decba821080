"""Disease drivers follow the written rules (data/RULES.md) and every disease has drivers.

Expected ranks come from published trial outcomes, not from the code: IL-17A/F blockers are
approved for hidradenitis suppurativa (SUNSHINE/SUNRISE, BE HEARD), IL-23 blockade failed in axial
spondyloarthritis (Deodhar 2019) and HS (Kimball 2023), anti-IL-5 failed in atopic dermatitis
(Oldhoff 2005), belimumab (anti-BAFF) is approved for SLE.
"""

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jakpath.cli.main import app
from jakpath.kb import load_kb
from jakpath.kb.load import default_data_dir
from jakpath.kb.tables import DRIVER_RULES
from jakpath.kb.validate import errors, validate

runner = CliRunner()


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def _rank(kb, disease, cytokine):
    d = kb.disease_drivers
    hit = d[(d.disease_id == disease) & (d.cytokine_id == cytokine)]
    assert len(hit) == 1, f"{disease}/{cytokine} missing"
    return int(hit["rank"].iloc[0]), hit["rule"].iloc[0]


def test_every_disease_has_cited_drivers_with_a_rule(kb):
    with_drivers = set(kb.disease_drivers.disease_id)
    assert set(kb.diseases.disease_id) <= with_drivers
    assert kb.disease_drivers.rule.isin(list(DRIVER_RULES)).all()
    assert (kb.disease_drivers.source_ids != "").all()
    assert (kb.disease_drivers.location != "").all()


@pytest.mark.parametrize(
    "disease,cytokine,rank,rule",
    [
        ("hidradenitis_suppurativa", "IL17A", 1, "approved_targeted"),
        ("hidradenitis_suppurativa", "IL17F", 1, "approved_targeted"),
        ("hidradenitis_suppurativa", "IL23", 3, "trial_failed"),
        ("ankylosing_spondylitis", "IL23", 3, "trial_failed"),
        ("ankylosing_spondylitis", "IL17A", 1, "approved_targeted"),
        ("nr_axial_spondyloarthritis", "IL23", 3, "trial_failed"),
        ("atopic_dermatitis", "IL5", 3, "trial_failed"),
        ("atopic_dermatitis", "IL4", 1, "approved_targeted"),
        ("systemic_lupus", "BAFF", 1, "approved_targeted"),
        ("systemic_lupus", "IL12", 3, "trial_failed"),
        ("palmoplantar_pustulosis", "IL17A", 3, "trial_failed"),
    ],
)
def test_ranks_follow_trial_outcomes(kb, disease, cytokine, rank, rule):
    assert _rank(kb, disease, cytokine) == (rank, rule)


def test_issue_13_additions_present(kb):
    for disease, cytokine in [
        ("hidradenitis_suppurativa", "IL6"),
        ("hidradenitis_suppurativa", "IFNG"),
        ("cutaneous_lupus", "IFNG"),
        ("cutaneous_lupus", "IFNL1"),
        ("dermatomyositis", "IFNK"),
        ("vitiligo", "IL15"),
    ]:
        _rank(kb, disease, cytokine)


def test_cutaneous_crohns_no_longer_borrows_luminal_drivers(kb):
    d = kb.disease_drivers[kb.disease_drivers.disease_id == "cutaneous_crohns"]
    assert not d.evidence_note.str.contains("Borrowed").any()
    assert not set(d.cytokine_id) & {"IL6", "IFNG"}  # luminal-only rows removed


def test_upstream_weights_are_not_an_equal_split_for_il17a(kb):
    u = kb.upstream_drivers[kb.upstream_drivers.cytokine_id == "IL17A"].set_index(
        "driver_cytokine_id"
    )
    # IL-23 and IL-6 blockade lowered Th17 output in patients (tier A); IL-21 only inferred (C)
    assert u.loc["IL23", "dependency_weight"] > u.loc["IL21", "dependency_weight"]
    assert u.dependency_weight.sum() <= 0.5 + 1e-9


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target)
    return target


def _rewrite(path: Path, keep) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    body = [r for r in rows[1:] if keep(dict(zip(header, r, strict=True)))]
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *body])


def test_validate_fails_on_a_disease_without_drivers(tmp_path):
    data = _copy(tmp_path)
    _rewrite(data / "disease_drivers.csv", lambda r: r["disease_id"] != "vitiligo")
    problems = errors(validate(data))
    hits = [p for p in problems if "vitiligo has no drivers" in p.message]
    assert hits and hits[0].file == "diseases.csv"
    result = runner.invoke(app, ["kb", "validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "vitiligo has no drivers" in result.output


def test_validate_fails_when_rank_contradicts_rule(tmp_path):
    data = _copy(tmp_path)
    path = data / "disease_drivers.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for r in rows[1:]:
        if r[header.index("rule")] == "trial_failed":
            r[header.index("rank")] = "1"
            break
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert any("gives rank 3" in p.message for p in errors(validate(data)))


def test_validate_fails_when_upstream_weight_breaks_its_rule(tmp_path):
    data = _copy(tmp_path)
    path = data / "upstream_drivers.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    rows[1][header.index("dependency_weight")] = "0.9"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert any("tier rule gives" in p.message for p in errors(validate(data)))
