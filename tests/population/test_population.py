"""Virtual populations: reproducible across backends, correct against the typical subject,
bounded memory by construction, and clear errors."""

import importlib.util
import os

import numpy as np
import pytest

import jakpath
from jakpath.population import BackendError, population
from jakpath.population.simulate import bin_counts

PATHWAYS = ["IL6", "IL15", "EPO"]


@pytest.fixture(scope="module")
def reference():
    return population(
        "tofacitinib",
        "5 mg bid",
        n=6000,
        pathways=PATHWAYS,
        chunk=1500,
        seed=7,
        return_subjects=True,
    )


def test_without_variability_every_subject_is_the_typical_one():
    kb = jakpath.load_kb()
    df = population(
        "deucravacitinib",
        "6 mg qd",
        n=50,
        pathways=["IL23", "IFNA"],
        uncertainty=False,
        kb=kb,
        return_subjects=True,
    )
    mean = df.attrs["subjects"][0]
    typical = jakpath.inhibition("deucravacitinib", "6 mg qd", ["IL23", "IFNA"], kb=kb)
    # the deucravacitinib model has no BSV terms: all subjects equal the deterministic answer
    assert np.allclose(mean, typical.mean_inhibition.to_numpy()[None, :], atol=2e-3)


def test_median_subject_close_to_typical(reference):
    typical = jakpath.inhibition("tofacitinib", "5 mg bid", PATHWAYS).mean_inhibition
    p50 = reference[reference.metric == "mean_inhibition"].p50.to_numpy()
    assert np.allclose(p50, typical.to_numpy(), atol=0.05)


def test_percentiles_match_exact_percentiles_of_subjects(reference):
    mean, hours, trough = reference.attrs["subjects"]
    for metric, values, tol in (
        ("mean_inhibition", mean, 1e-3),
        ("hours_ge_50", hours, 0.05),
        ("trough_inhibition", trough, 1e-3),
    ):
        rows = reference[reference.metric == metric]
        exact = np.percentile(values, [5, 50, 95], axis=0, method="inverted_cdf").T
        assert np.allclose(rows[["p5", "p50", "p95"]].to_numpy(), exact, atol=tol), metric


def test_chunk_size_does_not_change_the_subjects(reference):
    other = population(
        "tofacitinib",
        "5 mg bid",
        n=6000,
        pathways=PATHWAYS,
        chunk=2048,
        seed=7,
        return_subjects=True,
    )
    for a, b in zip(other.attrs["subjects"], reference.attrs["subjects"], strict=True):
        assert np.array_equal(a, b)


def test_random_effects_have_the_stated_variability():
    from jakpath.population.random import normals

    z = normals(11, np.arange(200_000, dtype=np.uint64), 3, np)
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    z2 = normals(11, np.arange(200_000, dtype=np.uint64), 4, np)
    assert abs(np.corrcoef(z, z2)[0, 1]) < 0.01


def test_same_seed_same_answer_different_seed_differs(reference):
    again = population("tofacitinib", "5 mg bid", n=6000, pathways=PATHWAYS, chunk=1500, seed=7)
    assert np.array_equal(
        again[["p5", "p50", "p95"]].to_numpy(), reference[["p5", "p50", "p95"]].to_numpy()
    )
    other = population("tofacitinib", "5 mg bid", n=6000, pathways=PATHWAYS, chunk=1500, seed=8)
    assert not np.array_equal(other.p95.to_numpy(), reference.p95.to_numpy())


def require(module: str) -> None:
    """Optional backends are test dependencies: missing in CI is a failure, not a skip."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} must be installed in CI (pip install -e '.[test]')")
        pytest.skip(f"{module} not installed (pip install -e '.[test]')")


@pytest.mark.parametrize(
    "backend,module,exact", [("jax", "jax", False), ("dask", "distributed", True)]
)
def test_backend_reproduces_numpy_subjects(reference, backend, module, exact):
    require(module)
    out = population(
        "tofacitinib",
        "5 mg bid",
        n=6000,
        pathways=PATHWAYS,
        chunk=1500,
        seed=7,
        backend=backend,
        return_subjects=True,
    )
    for a, b in zip(out.attrs["subjects"], reference.attrs["subjects"], strict=True):
        assert np.array_equal(a, b) if exact else np.allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "drug,regimen,days",
    [
        ("deucravacitinib", "6 mg qd", 1.0),  # first day after the first dose
        ("deucravacitinib", "6 mg qd", None),  # steady state
        ("baricitinib", "4 mg qd", None),  # zero-order input with lag, two compartments
    ],
)
def test_typical_subject_equals_the_exposure_and_inhibition_engines(drug, regimen, days):
    kb = jakpath.load_kb()
    model = jakpath.pk_model(drug, "IR", kb)
    p = model.pk_params(1)
    from jakpath.population.simulate import build_spec, draw

    spec, _ = build_spec(kb, model, drug, jakpath.parse_regimen(regimen), ["IL6"], False, days)
    # the population's typical subject: no random effects
    spec = type(spec)(**{**spec.__dict__, "cv": {}})
    from jakpath.population.kernel import subject_metrics

    params, ic50 = draw(spec, 0, 1, seed=0)
    assert params["cl_L_per_h"][0] == pytest.approx(float(p.cl_L_per_h[0]))
    nd = None if spec.n_doses is None else np.array([spec.n_doses])
    mean, _, trough = subject_metrics(
        params,
        np.array([spec.dose_nmol]),
        np.array([spec.tau_h]),
        ic50,
        spec.t_h,
        spec.weights,
        spec.span_h,
        spec.live,
        nd,
    )
    reg = jakpath.parse_regimen(regimen, n_doses=None if days is None else 1)
    sim = jakpath.simulate(drug, reg, times_h=spec.t_h, kb=kb, include_metabolites=False)
    c = sim.conc_total_nM.to_numpy()
    inh = c / (c + ic50[0, 0])
    assert mean[0, 0] == pytest.approx(np.sum(inh * spec.weights), rel=1e-9)
    assert trough[0, 0] == pytest.approx(inh.min(), rel=1e-9)


def test_bin_counts_counts_every_value():
    v = np.array([[0.0, 1.0], [0.5, 0.9995], [1e-9, 0.25]])
    edges = (np.arange(1002) - 0.5) * 1e-3
    counts = bin_counts(v, edges)
    assert counts.sum() == v.size
    assert counts[0, 0] == 2 and counts[1, 1000] == 2


@pytest.mark.parametrize(
    "kwargs,err,fragment",
    [
        (dict(n=0), ValueError, "positive"),
        (dict(n=-5), ValueError, "positive"),
        (dict(n=10**12), ValueError, "maximum"),
        (dict(backend="tpu"), BackendError, "unknown"),
    ],
)
def test_bad_input(kwargs, err, fragment):
    args = dict(n=10, pathways=["IL6"])
    args.update(kwargs)
    with pytest.raises(err, match=fragment):
        population("tofacitinib", "5 mg bid", **args)


def test_unreachable_dask_scheduler_fails_fast():
    require("distributed")
    with pytest.raises(BackendError, match="cannot reach"):
        population(
            "tofacitinib",
            "5 mg bid",
            n=10,
            pathways=["IL6"],
            backend="dask",
            scheduler="tcp://127.0.0.1:9",
        )


# --- patients and covariate distributions -------------------------------------------------
def test_a_patient_the_drug_cannot_use_is_a_clear_error():
    from jakpath.exposure.patient import Patient

    with pytest.raises(jakpath.PatientError, match="renal function"):
        population("deucravacitinib", "6 mg qd", n=10, pathways=["IL23"], patient=Patient(egfr=40))


def test_cohort_subjects_are_the_subjects_of_each_patient_type():
    """Subject i of a 2-type cohort equals subject i of the population of its type."""
    from jakpath.exposure.patient import Patient

    kwargs = dict(n=400, pathways=["IL6"], seed=3, chunk=150, return_subjects=True)
    types = [Patient(), Patient(crcl=40, interacting_drugs=("ketoconazole",))]
    mixed = population("tofacitinib", "5 mg bid", cohort=types, **kwargs).attrs["subjects"][0]
    typical = population("tofacitinib", "5 mg bid", **kwargs).attrs["subjects"][0]
    patient = population("tofacitinib", "5 mg bid", patient=types[1], **kwargs)
    patient = patient.attrs["subjects"][0]
    assert np.allclose(mixed[0::2], typical[0::2], rtol=1e-12)
    assert np.allclose(mixed[1::2], patient[1::2], rtol=1e-12)
    assert patient.mean() > typical.mean()  # higher exposure, more inhibition


def test_cohort_spec_as_field_values_and_bad_cohorts():
    df = population(
        "tofacitinib",
        "5 mg bid",
        n=300,
        pathways=["IL6"],
        cohort={"crcl": [30, 60], "weight_kg": [60, 90]},
    )
    assert "cohort of 4 patient types" in " ".join(df.attrs["notes"])
    assert any("outside the studied range" in n for n in df.attrs["notes"])
    with pytest.raises(ValueError, match="not possible"):
        population("tofacitinib", "5 mg bid", n=10, cohort={"egfr": [-5]})
    with pytest.raises(ValueError, match="either patient or cohort"):
        from jakpath.exposure.patient import Patient

        population("tofacitinib", "5 mg bid", n=10, patient=Patient(crcl=50), cohort=[Patient()])


@pytest.mark.parametrize(
    "backend,module,exact", [("jax", "jax", False), ("dask", "distributed", True)]
)
def test_cohort_same_subjects_on_every_backend(backend, module, exact):
    require(module)
    kwargs = dict(
        n=600,
        pathways=["IL6", "EPO"],
        seed=11,
        chunk=200,
        return_subjects=True,
        cohort={"crcl": [35, 80], "sex": ["female", "male"]},
    )
    ref = population("tofacitinib", "5 mg bid", **kwargs).attrs["subjects"]
    out = population("tofacitinib", "5 mg bid", backend=backend, **kwargs).attrs["subjects"]
    for a, b in zip(out, ref, strict=True):
        assert np.array_equal(a, b) if exact else np.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_typed_result_keeps_provenance_and_subjects_after_concat():
    import pandas as pd

    from jakpath.population.simulate import run_population

    kwargs = dict(n=300, pathways=["IL-6"], seed=3, return_subjects=True)
    result = run_population("tofacitinib", "5 mg bid", **kwargs)
    frame = population("tofacitinib", "5 mg bid", **kwargs)
    # the DataFrame API is unchanged; the typed result carries the same answer
    assert frame.equals(result.table)
    assert frame.attrs["n"] == result.n == 300 and result.cytokines == ("IL6",)
    assert set(result.table.cytokine_name) == {"Interleukin-6"}
    assert result.subjects.mean_inhibition.shape == (300, 1)
    assert np.array_equal(frame.attrs["subjects"][0], result.subjects.mean_inhibition)
    both = pd.concat([result.table, result.table])
    assert both.attrs == {}  # pandas drops attrs on concat; the typed result does not
    assert result.provenance()["seed"] == 3 and result.data_version


def test_backend_registry_names_known_backends_and_accepts_new_ones():
    from jakpath.population.backends import BACKENDS, get_backend, register_backend

    with pytest.raises(BackendError, match="numpy, jax, cupy, dask"):
        get_backend("tpu")
    calls = []

    def factory(scheduler):
        def run(spec, chunks, seed, hist, keep):
            calls.append(len(chunks))
            yield from get_backend("numpy")(spec, chunks, seed, hist, keep)

        return run

    register_backend("counting", factory)
    try:
        out = population("tofacitinib", "5 mg bid", n=100, pathways=["IL6"], backend="counting")
        ref = population("tofacitinib", "5 mg bid", n=100, pathways=["IL6"])
        assert calls == [1] and out.equals(ref)
    finally:
        BACKENDS.pop("counting")


def test_cli_backend_choices_match_the_registry():
    from jakpath.cli.output import Backend
    from jakpath.population.backends import BACKENDS

    assert {b.value for b in Backend} == set(BACKENDS)
