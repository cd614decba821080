"""Clinical validation: the comparison is computed from the trial records as stated."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import jakpath
from jakpath.cli.main import app
from jakpath.kb.load import default_data_dir
from jakpath.matching.validation import ENDPOINTS, clinical_validation


def test_placebo_adjusted_responses_come_from_the_trial_table():
    kb = jakpath.load_kb()
    summary, regimens = clinical_validation(kb)
    assert set(summary.disease) == set(ENDPOINTS)
    raw = pd.read_csv(default_data_dir() / "trial_outcomes.csv")
    for r in regimens.itertuples():
        endpoint, w0, w1 = ENDPOINTS[r.disease]
        arms = raw[
            (raw.disease_id == r.disease)
            & (raw.endpoint == endpoint)
            & raw.week.between(w0, w1)
            & (raw.drug_id == r.drug_id)
            & np.isclose(raw.dose_mg, r.dose_mg)
            & np.isclose(raw.interval_h, r.interval_h)
        ]
        delta = arms.active_rate_pct - arms.placebo_rate_pct
        n = arms.n_active.fillna(0)
        expected = np.average(delta, weights=n) if (n > 0).all() else delta.mean()
        assert r.placebo_adjusted_pct == pytest.approx(expected, rel=1e-9)
        assert 0 <= r.coverage <= 1
    # only doses some label approves (any indication or use) are compared: read from the raw table
    label = pd.read_csv(default_data_dir() / "approvals.csv")
    label = label[label.dose_mg.notna() & (label.route != "topical")]
    for r in regimens.itertuples():
        same = label[
            (label.drug_id == r.drug_id)
            & np.isclose(label.dose_mg, r.dose_mg)
            & np.isclose(label.interval_h, r.interval_h)
            & (label.formulation.fillna("IR") == r.formulation)
        ]
        assert len(same), f"{r.drug_id} {r.dose_mg} q{r.interval_h}h is not a label regimen"
    # every disease has at least three regimens with trial results, across two or more drugs
    assert (summary.n >= 3).all() and (summary.drugs >= 2).all()


def test_cli_validate_clinical_json():
    res = CliRunner().invoke(app, ["validate", "clinical", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    keys = {"disease", "n", "spearman_coverage", "spearman_score", "p_coverage", "p_score"}
    assert doc["rows"] and all(keys <= set(r) for r in doc["rows"])
    assert doc["regimens"]


def test_exact_permutation_p_values_for_small_n():
    from jakpath.matching.validation import _spearman

    # n = 3, perfect order: 2 of the 3! orderings reach |rho| = 1 -> p = 1/3
    rho, p = _spearman(pd.Series([1.0, 2.0, 3.0]), pd.Series([10.0, 20.0, 30.0]))
    assert rho == pytest.approx(1.0) and p == pytest.approx(2 / 6)
    # n = 5, one adjacent swap: rho = 1 - 6*2/(5*24) = 0.9; |rho| >= 0.9 for the 2 perfect
    # orderings and the 8 single adjacent swaps of either direction -> p = 10/120
    rho, p = _spearman(pd.Series([1.0, 2, 3, 4, 5]), pd.Series([2.0, 1, 3, 4, 5]))
    assert rho == pytest.approx(0.9) and p == pytest.approx(10 / 120)
