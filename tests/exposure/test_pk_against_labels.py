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
    assert unexplained.empty, unexplained[["drug", "metric", "observed", "predicted"]]


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


def test_rows_carry_independent_and_within_flags(check):
    assert {"independent", "within_25pct", "note", "metric"} <= set(check.columns)
    assert check.independent.dtype == bool and check.within_25pct.dtype == bool


def test_share_of_independent_figures_within_25_percent(check):
    rows = check[check.independent & (check.metric != "auc_ratio")]
    assert len(rows) >= 30
    # issue 14 target: 80%; the misses left are explained in their notes (population,
    # Tmax sampling grids, sources that disagree with the label)
    assert rows.within_25pct.mean() >= 0.8, rows[~rows.within_25pct]


def test_effective_half_life_of_a_one_compartment_model_is_its_elimination_half_life():
    """Analytic check: with fast absorption, accumulation gives back ln2 V/CL."""
    import math

    from jakpath.exposure.check import effective_half_life_h
    from jakpath.exposure.model import PKModel

    model = PKModel(
        "x",
        "x_1cmt",
        "IR",
        "one_cmt",
        "first_order",
        {"CL_F": 10.0, "V_F": 100.0, "ka": 60.0},
        {},
        300.0,
        0.5,
    )
    assert effective_half_life_h(model, 12.0) == pytest.approx(math.log(2) * 100 / 10, rel=0.01)


def test_fedratinib_label_terminal_and_effective_half_lives(check):
    rows = check[(check.drug == "fedratinib") & (check.state == "steady")]
    terminal = rows[(rows.metric == "t_half") & (rows.observed == 114)]
    effective = rows[(rows.metric == "t_half_eff") & (rows.observed == 41)]
    assert terminal.within_25pct.all() and effective.within_25pct.all()
