"""PK models against independent label/paper figures in the knowledge base."""

import pytest

import jakpath
from jakpath.exposure.check import pk_check


@pytest.fixture(scope="module")
def check():
    return pk_check(jakpath.load_kb())


def test_every_figure_is_checked_or_explained(check):
    assert len(check) >= 40
    unexplained = check[~check.within_25pct & (check.note.fillna("") == "")]
    # the one miss without a stated reason: filgotinib's 11 h half-life in Caucasians next to
    # 6 h in Japanese subjects of the same abstract; the derived model cannot match both
    assert len(unexplained) <= 1, unexplained[["drug", "metric", "observed", "predicted"]]


def test_independent_exposure_figures_within_25_percent(check):
    rows = check[check.independent & check.metric.isin(["auc_tau", "auc_inf"])]
    assert len(rows) >= 2
    assert rows.within_25pct.all(), rows[["drug", "observed", "predicted", "ratio"]]


def test_momelotinib_label_steady_state(check):
    rows = check[(check.drug == "momelotinib") & check.metric.isin(["cmax", "auc_tau"])]
    assert len(rows) == 2 and rows.independent.all() and rows.within_25pct.all()


def test_popPK_half_lives_of_one_compartment_models(check):
    rows = check[(check.drug == "tofacitinib") & (check.metric == "t_half") & check.independent]
    assert len(rows) and rows.within_25pct.all()
