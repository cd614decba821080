"""Patient covariate effects against the figures their sources print (not the code's output)."""

import math

import pandas as pd
import pytest
from typer.testing import CliRunner

import jakpath
from jakpath.cli.main import app
from jakpath.exposure.check import pk_check
from jakpath.exposure.patient import Patient, PatientError, auc_ratio, covariate_effects
from jakpath.kb.load import default_data_dir


@pytest.fixture(scope="module")
def kb():
    return jakpath.load_kb()


def _factor(drug, patient, kb, parameter="CL_F"):
    factors, f_factor, _ = covariate_effects(drug, patient, kb)
    return f_factor if parameter == "F" else factors.get(parameter, 1.0)


# Vong 2021 (tofacitinib UC popPK) Results prose, each covariate effect in words
def test_tofacitinib_renal_function_19_percent_lower_clearance_at_crcl_60(kb):
    assert _factor("tofacitinib", Patient(crcl=60), kb) == pytest.approx(0.81, abs=0.005)


def test_tofacitinib_female_13_2_percent_lower_clearance_15_5_percent_lower_volume(kb):
    assert _factor("tofacitinib", Patient(sex="female"), kb) == pytest.approx(1 - 0.132)
    assert _factor("tofacitinib", Patient(sex="female"), kb, "V_F") == pytest.approx(1 - 0.155)


@pytest.mark.parametrize("weight, change", [(53, -0.164), (95, 0.176)])
def test_tofacitinib_volume_with_body_weight(kb, weight, change):
    got = _factor("tofacitinib", Patient(weight_kg=weight), kb, "V_F")
    assert got == pytest.approx(1 + change, abs=0.002)


def test_tofacitinib_volume_7_7_percent_lower_at_age_80(kb):
    assert _factor("tofacitinib", Patient(age_years=80), kb, "V_F") == pytest.approx(
        1 - 0.077, abs=0.002
    )


def test_baricitinib_renal_clearance_scales_with_egfr(kb):
    # Decker 2024 Table 2: CL/F = 6.34 x eGFR/93 + 3.36 L/h
    expected = (6.34 * 46.5 / 93 + 3.36) / (6.34 + 3.36)
    assert _factor("baricitinib", Patient(egfr=46.5), kb) == pytest.approx(expected, rel=0.01)


def test_abrocitinib_fluconazole_popPK_effect(kb):
    # Wojciechowski 2022 Table 2: CL x (1 - 0.541); logit F + 1.31 from the AD phase 3 tablet
    # at steady state (logit 0.5977 - 0.766 + 0.241 + 0.489)
    base = math.log(0.5977 / (1 - 0.5977)) - 0.766 + 0.241 + 0.489

    def expit(x):
        return 1 / (1 + math.exp(-x))

    expected = expit(base + 1.31) / expit(base) / (1 - 0.541)
    assert auc_ratio("abrocitinib", Patient(interacting_drugs=("fluconazole",)), kb) == (
        pytest.approx(expected, rel=0.01)
    )


def test_abrocitinib_renal_share_from_urinary_excretion(kb):
    # Peeva 2022 introduction: 1.0-4.4% of the parent excreted unchanged in urine (oral dose);
    # with F 0.589 the renal share of systemic clearance is at most 0.044 / 0.589, scaled by
    # eGFR / 90 (normal renal function)
    renal_share = 0.044 / 0.589
    expected = 1 - renal_share + renal_share * 45 / 90
    assert _factor("abrocitinib", Patient(egfr=45), kb) == pytest.approx(expected, rel=0.005)


def test_abrocitinib_renal_effect_is_flagged_parent_only(kb):
    # the share comes from urinary recovery (Peeva 2022), not a fitted covariate, and Wang 2022
    # reports a 2.1-fold rise of the active moiety in moderate impairment that it cannot follow
    _, _, table = covariate_effects("abrocitinib", Patient(egfr=45), kb)
    assert "not a fitted renal covariate" in table.flag.iloc[0]
    assert "parent only" in table.flag.iloc[0]


def test_abrocitinib_severe_renal_impairment_parent_within_25_percent(kb):
    # Wang 2022 abstract: parent AUCinf GMR 121.32% severe vs normal renal function
    got = auc_ratio("abrocitinib", Patient(egfr=22), kb)
    assert abs(got / 1.2132 - 1) <= 0.25


def test_abrocitinib_moderate_renal_impairment_miss_is_reported(kb):
    # Wang 2022 abstract: parent AUCinf GMR 182.91% moderate vs normal; the urinary-excretion
    # mechanism alone cannot reach it, and the check must say so rather than drop the row
    rows = pk_check(kb)
    row = rows[(rows.metric == "auc_ratio") & ((rows.observed - 1.8291).abs() < 1e-9)]
    assert len(row) == 1 and row.drug.iloc[0] == "abrocitinib"
    assert row.independent.iloc[0]
    if not row.within_25pct.iloc[0]:
        assert "non-renal clearance" in row.note.iloc[0]


def test_tofacitinib_ketoconazole_within_25_percent_of_the_study(kb):
    # ACCP 2012: AUCinf 203% of control
    got = auc_ratio("tofacitinib", Patient(interacting_drugs=("Nizoral",)), kb)
    assert abs(got / 2.03 - 1) <= 0.25


def test_cyp2c19_poor_metaboliser_removes_the_cyp2c19_share(kb):
    # Bauman 2022: fm CYP2C19 0.53, so a poor metaboliser has 47% of the clearance
    assert _factor("abrocitinib", Patient(cyp2c19="poor"), kb) == pytest.approx(0.47)


def test_upadacitinib_xr_patient_effects_keep_relative_bioavailability(kb):
    df = jakpath.simulate("upadacitinib", "15 mg", patient=Patient(weight_kg=74), kb=kb)
    assert set(df.formulation) == {"XR"}
    base = jakpath.simulate("upadacitinib", "15 mg", kb=kb)
    assert df.conc_total_nM.max() == pytest.approx(base.conc_total_nM.max(), rel=1e-9)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"egfr": -5}, "not possible"),
        ({"child_pugh": "E"}, "Child-Pugh class 'E'"),
        ({"cyp2c19": "slow"}, "phenotype"),
        ({"sex": "x"}, "sex"),
    ],
)
def test_impossible_patient_values(kwargs, fragment):
    with pytest.raises(PatientError, match=fragment):
        Patient(**kwargs)


def test_unknown_interacting_drug_names_the_closest(kb):
    with pytest.raises(PatientError, match="ketoconazole"):
        covariate_effects("tofacitinib", Patient(interacting_drugs=("ketokonazole",)), kb)


def test_a_covariate_the_model_cannot_use(kb):
    with pytest.raises(PatientError, match="no cited effect of CYP2C19"):
        covariate_effects("baricitinib", Patient(cyp2c19="poor"), kb)
    with pytest.raises(PatientError, match="renal function"):
        covariate_effects("deucravacitinib", Patient(egfr=40), kb)


def test_outside_the_studied_range_is_computed_and_flagged(kb):
    _, _, table = covariate_effects("tofacitinib", Patient(crcl=20), kb)
    assert "outside the studied range" in table.flag.iloc[0]
    df = jakpath.simulate("tofacitinib", "5 mg bid", patient=Patient(crcl=20), kb=kb)
    assert "outside the studied range" in df.note.iloc[0]


def test_label_recommendation_next_to_the_result(kb):
    df = jakpath.simulate(
        "tofacitinib", "5 mg bid", patient=Patient(interacting_drugs=("ketoconazole",)), kb=kb
    )
    assert "5 mg once daily" in df.label_recommendation.iloc[0]
    inh = jakpath.inhibition("baricitinib", "4 mg qd", ["IL6"], patient=Patient(egfr=45), kb=kb)
    assert "1 mg once daily" in inh.label_recommendation.iloc[0]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--egfr", "-5"], "not possible"),
        (["--child-pugh", "E"], "Child-Pugh"),
        (["--with", "ketokonazole"], "ketoconazole"),
        (["--cyp2c19", "poor"], "CYP2C19"),
    ],
)
def test_cli_bad_patient_input_exits_2(args, fragment):
    result = CliRunner().invoke(app, ["simulate", "baricitinib", "4 mg qd", *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output


def test_cli_patient_options_json_rows_carry_patient_and_label():
    import json

    result = CliRunner().invoke(
        app,
        [
            "inhibition",
            "tofacitinib",
            "5 mg bid",
            "-p",
            "IL6",
            "--egfr",
            "40",
            "--child-pugh",
            "B",
            "--with",
            "ketoconazole",
            "--weight",
            "60",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)["rows"][0]
    assert "Child-Pugh B" in row["patient"] and "5 mg once daily" in row["label_recommendation"]


def test_pk_check_auc_ratio_rows(kb):
    rows = pk_check(kb)
    rows = rows[rows.metric == "auc_ratio"]
    assert len(rows) >= 15
    # the share within 25% is the target, reported by `jakpath pk check` (not asserted
    # here: honest misses are kept, each with its reason - checked below)
    assert {
        "tofacitinib",
        "baricitinib",
        "upadacitinib",
        "abrocitinib",
        "ruxolitinib",
        "ritlecitinib",
    } <= set(rows.drug)
    # an effect that IS the label ratio is not an independent check
    assert not rows[rows.note.str.contains("IS a label AUC ratio")].independent.any()
    missed = rows[~rows.within_25pct]
    assert (missed.note.str.len() > 0).all()


def test_a_perpetrator_specific_poppk_term_is_not_an_independent_check(kb):
    """Abrocitinib's popPK fluvoxamine/fluconazole terms were estimated from those DDI studies."""
    rows = pk_check(kb)
    rows = rows[rows.metric == "auc_ratio"]
    abro = rows[(rows.drug == "abrocitinib") & rows.condition.str.contains("fluvoxamine")]
    assert len(abro) and not abro.independent.any()
    assert abro.note.str.contains("estimated from its interaction study").all()
    # a class mechanism (fm x class threshold) stays an independent check
    keto = rows[(rows.drug == "tofacitinib") & rows.condition.str.contains("ketoconazole")]
    assert len(keto) and keto.independent.all()


def test_a_figure_for_another_analyte_is_shown_but_not_an_independent_check(kb):
    raw = pd.read_csv(default_data_dir() / "pk_auc_ratios.csv")
    assert (raw.analyte == "active_moiety").any()
    rows = pk_check(kb)
    rows = rows[rows.metric == "auc_ratio"]
    statements = set(raw[raw.analyte == "active_moiety"].statement)
    other = rows[rows.condition.isin(statements)]
    assert len(other) == len(statements)
    assert not other.independent.any()
