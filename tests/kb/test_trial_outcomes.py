"""Placebo-controlled trial outcomes for clinical validation (issue 13, item 5).

Expected values are the published abstracts' numbers, e.g. POETYK PSO-1 (Armstrong 2023):
PASI 75 at week 16 in 58.4% (194/332) on deucravacitinib 6 mg vs 12.7% (21/166) on placebo;
FINCH 2 (Genovese 2019): ACR20 at week 12 in 66.0% on filgotinib 200 mg vs 31.1% on placebo.
"""

import csv
import shutil

import pytest

from jakpath.kb import load_kb
from jakpath.kb.load import default_data_dir
from jakpath.kb.validate import errors, validate


@pytest.fixture(scope="module")
def to():
    return load_kb().trial_outcomes


def _row(to, trial, drug, dose, endpoint):
    hit = to[(to.trial == trial) & (to.drug_id == drug) & (to.dose_mg == dose)]
    hit = hit[hit.endpoint == endpoint]
    assert len(hit) == 1
    return hit.iloc[0]


def test_published_values(to):
    r = _row(to, "POETYK PSO-1", "deucravacitinib", 6, "PASI75")
    assert (r.active_rate_pct, r.placebo_rate_pct, r.n_active, r.n_placebo) == (
        58.4,
        12.7,
        332,
        166,
    )
    r = _row(to, "FINCH 2", "filgotinib", 200, "ACR20")
    assert (r.active_rate_pct, r.placebo_rate_pct) == (66.0, 31.1)


@pytest.mark.parametrize(
    "disease,minimum",
    [("rheumatoid_arthritis", 4), ("psoriasis", 4), ("psoriatic_arthritis", 3)],
)
def test_several_regimens_per_disease(to, disease, minimum):
    d = to[to.disease_id == disease]
    assert len(d) >= minimum
    assert d.drug_id.nunique() >= 2


def test_every_row_is_placebo_controlled_and_cited(to):
    assert (to.placebo_rate_pct < to.active_rate_pct).all()  # all are positive pivotal trials
    assert (to.source_ids != "").all() and (to.location != "").all()


def test_validator_catches_a_rate_above_100(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    path = data / "trial_outcomes.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index("active_rate_pct")] = "134"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert any(p.kind == "range" and p.file == "trial_outcomes.csv" for p in errors(validate(data)))
