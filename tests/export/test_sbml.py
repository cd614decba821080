"""SBML export: simulated with libroadrunner, compared with jakpath's closed form."""

import libsbml
import numpy as np
import pytest
import roadrunner
from typer.testing import CliRunner

import jakpath
from jakpath.cli.export import app
from jakpath.export.sbml import build_sbml, doses_in_span
from jakpath.inhibition.pathways import pathway_inhibition_course

DAYS = 7.0
TIMES = np.linspace(0.0, DAYS * 24.0, 4 * 1680 + 1)  # every 1.5 min, dose times included
TOL = 1e-4

CASES = [
    # drug, regimen, structure, absorption, doses in 7 days
    ("tofacitinib", "5 mg bid", "one_cmt", "first_order", 14),
    ("baricitinib", "4 mg qd", "two_cmt", "zero_order", 7),
    ("upadacitinib", "15 mg XR", "two_cmt", "mixed", 7),
]


def _simulate(sbml: str, selections):
    rr = roadrunner.RoadRunner(sbml)
    integrator = rr.getIntegrator()
    integrator.relative_tolerance = 1e-10
    integrator.absolute_tolerance = 1e-12
    integrator.setValue("maximum_num_steps", 100000)
    rr.timeCourseSelections = ["time", *selections]
    return rr.simulate(times=TIMES)


def _max_rel(sim, ref):
    """Largest difference relative to the reference where it is above 1% of its peak."""
    keep = ref > 0.01 * ref.max()
    return float(np.max(np.abs(sim[keep] - ref[keep]) / ref[keep]))


@pytest.mark.parametrize(("drug", "regimen", "structure", "absorption", "n"), CASES)
def test_sbml_matches_closed_form(kb, drug, regimen, structure, absorption, n):
    ex = build_sbml(drug, regimen, pathways=["IL-6", "IL-2"], days=DAYS, kb=kb)
    model = jakpath.pk_model(drug, ex.regimen.formulation, kb)
    assert (model.structure, model.absorption) == (structure, absorption)
    assert ex.regimen.n_doses == n
    sim = _simulate(ex.sbml, ["[C_central]", "I_IL6"])
    ref = jakpath.simulate(
        drug, ex.regimen, times_h=TIMES, kb=kb, include_metabolites=False
    ).conc_total_nM.to_numpy()
    conc = sim[:, 1]
    assert _max_rel(conc, ref) < TOL
    assert np.max(np.abs(conc - ref)) / ref.max() < TOL
    # the inhibition assignment rule against jakpath's own inhibition time course
    inh = pathway_inhibition_course(kb, ex.drug_id, [ex.regimen], ["IL6"], TIMES)[0][0, :, 0]
    assert _max_rel(sim[:, 2], inh) < TOL
    ic50 = jakpath.potency_table(kb, drug).set_index("cytokine_id").loc["IL6", "ic50_total_nM"]
    assert ex.ic50_total_nM["IL6"] == pytest.approx(ic50, rel=1e-12)


@pytest.mark.parametrize(("drug", "regimen", "structure", "absorption", "n"), CASES)
def test_sbml_structure(kb, drug, regimen, structure, absorption, n):
    ex = build_sbml(drug, regimen, pathways=["IL6"], days=DAYS, kb=kb)
    doc = libsbml.readSBMLFromString(ex.sbml)
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    m = doc.getModel()
    comps = {m.getCompartment(i).getId() for i in range(m.getNumCompartments())}
    assert comps == {"depot", "central"} | ({"peripheral"} if structure == "two_cmt" else set())
    params = {m.getParameter(i).getId(): m.getParameter(i) for i in range(m.getNumParameters())}
    assert params["CL"].getUnits() == "litre_per_hour" and params["ka"].getUnits() == "per_hour"
    assert params["tlag"].getUnits() == "hour" and params["IC50_IL6"].getUnits() == "nM"
    # dose fraction: upadacitinib XR carries its relative bioavailability vs IR (Klunder 2019
    # Table 3: 76.2%); every other model's parameters are apparent on its own dose basis
    assert params["F"].getValue() == (0.762 if drug == "upadacitinib" else 1.0)
    zero_order = absorption != "first_order"
    assert m.getNumEvents() == n * (2 if zero_order else 1) == ex.n_events
    rule = m.getRule("I_IL6")
    assert libsbml.formulaToL3String(rule.getMath()) == "C_central / (C_central + IC50_IL6)"
    notes = m.getNotesString()
    assert f"data version {kb.version}" in notes and ex.model_id in notes


def test_doses_in_span():
    assert doses_in_span(jakpath.parse_regimen("5 mg bid"), 7) == 14
    assert doses_in_span(jakpath.parse_regimen("4 mg qd"), 7) == 7
    assert doses_in_span(jakpath.parse_regimen("4 mg qd"), 0.5) == 1
    assert doses_in_span(jakpath.parse_regimen("4 mg qd").with_doses(3), 7) == 3


def test_topical_model_is_constant(kb):
    ex = build_sbml("ruxolitinib", "1 mg bid cream", pathways=["IL6"], kb=kb)
    rr = roadrunner.RoadRunner(ex.sbml)
    rr.timeCourseSelections = ["time", "[C_central]", "I_IL6"]
    res = rr.simulate(0, 24, 5)
    css = jakpath.pk_model("ruxolitinib", "topical", kb).params["css_nM"]
    assert np.allclose(res[:, 1], css)
    assert np.allclose(res[:, 2], css / (css + ex.ic50_total_nM["IL6"]))


def test_cli_writes_sbml(tmp_path, kb):
    out = tmp_path / "bari.xml"
    result = CliRunner().invoke(
        app, ["sbml", "baricitinib", "4 mg qd", str(out), "-p", "IL-6", "-p", "EPO", "--days", "2"]
    )
    assert result.exit_code == 0, result.output
    assert kb.version in result.output
    m = libsbml.readSBMLFromFile(str(out)).getModel()
    assert m.getRule("I_IL6") is not None and m.getRule("I_EPO") is not None
    assert m.getNumEvents() == 4  # 2 doses, infusion on and off
    bad = CliRunner().invoke(app, ["sbml", "tofacitnib", "5 mg bid", str(tmp_path / "x.xml")])
    assert bad.exit_code == 2 and "Tofacitinib" in bad.output
