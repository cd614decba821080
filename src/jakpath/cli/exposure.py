"""Exposure commands: ``simulate``, ``inhibition``, ``pk check``, ``population``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from jakpath.cli.options import (
    AGE_OPT,
    CHILD_PUGH_OPT,
    CRCL_OPT,
    CYP2C19_OPT,
    EGFR_OPT,
    FORMAT_OPT,
    SEX_OPT,
    WEIGHT_OPT,
    WITH_OPT,
    patient_of,
    print_patient,
)
from jakpath.cli.output import (
    Backend,
    Format,
    console,
    emit,
    err_console,
    fail,
    handles_errors,
    split_names,
    warn,
)
from jakpath.kb import load_kb


@handles_errors
def simulate_cmd(
    drug: str,
    regimen: str,
    days: float = typer.Option(1.0, help="Days to simulate."),
    step: float = typer.Option(0.25, help="Output step in h."),
    single: bool = typer.Option(False, "--single", help="From a first dose, not steady state."),
    fmt: Format = FORMAT_OPT,
    plot: Path = typer.Option(None, "--plot", help="Write a PNG/SVG figure."),
    egfr: float = EGFR_OPT,
    crcl: float = CRCL_OPT,
    child_pugh: str = CHILD_PUGH_OPT,
    with_drugs: list[str] = WITH_OPT,
    cyp2c19: str = CYP2C19_OPT,
    weight: float = WEIGHT_OPT,
    age: float = AGE_OPT,
    sex: str = SEX_OPT,
):
    """Concentration over time of DRUG at REGIMEN (steady state unless --single).

    Patient options (--egfr, --crcl, --child-pugh, --with, --cyp2c19, --weight, --age, --sex)
    apply cited covariate effects and show the label's dose recommendation.
    """
    import math

    from jakpath.exposure.model import simulate
    from jakpath.exposure.regimen import parse_regimen

    if not (days > 0 and math.isfinite(days)) or not (step > 0 and math.isfinite(step)):
        fail("--days and --step must be positive numbers")
    if days * 24 / step > 200_000:
        fail("too many time points: raise --step or lower --days")
    patient = patient_of(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)
    kb = load_kb()
    reg = parse_regimen(regimen)
    warn(reg.flags)
    if single:
        reg = reg.with_doses(max(1, math.ceil(days * 24 / reg.interval_h)))
    df = simulate(drug, reg, days=days, step_h=step, kb=kb, patient=patient)
    if plot:
        from jakpath.plots import plot_regimen

        plot_regimen(drug, reg, plot, kb=kb, days=days)
        err_console.print(f"figure written to {plot}")
    models = ", ".join(df.attrs.get("pk_models", {}).values())
    emit(
        df.drop(columns=["regimen_index"]),
        fmt,
        title=f"{drug} {df.regimen.iloc[0]} (PK model {models})",
        version=kb.version,
    )
    print_patient(df, fmt)


@handles_errors
def inhibition_cmd(
    drug: str,
    regimen: str,
    pathway: list[str] = typer.Option(
        None,
        "--pathway",
        "--pathways",
        "-p",
        help="Cytokine(s), repeated or comma-separated; default all.",
    ),
    fmt: Format = FORMAT_OPT,
    plot: Path = typer.Option(None, "--plot", help="Write a PNG/SVG figure."),
    egfr: float = EGFR_OPT,
    crcl: float = CRCL_OPT,
    child_pugh: str = CHILD_PUGH_OPT,
    with_drugs: list[str] = WITH_OPT,
    cyp2c19: str = CYP2C19_OPT,
    weight: float = WEIGHT_OPT,
    age: float = AGE_OPT,
    sex: str = SEX_OPT,
):
    """Steady-state daily pathway inhibition of DRUG at REGIMEN (mean, hours >=50/90%, ...).

    Patient options as for ``simulate``.
    """
    from jakpath.exposure.regimen import parse_regimen
    from jakpath.inhibition.pathways import inhibition

    warn(parse_regimen(regimen).flags)

    patient = patient_of(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)
    kb = load_kb()
    df = inhibition(drug, regimen, pathways=split_names(pathway), kb=kb, patient=patient)
    if plot:
        from jakpath.plots import plot_regimen

        plot_regimen(drug, parse_regimen(regimen), plot, kb=kb, pathways=split_names(pathway))
        err_console.print(f"figure written to {plot}")
    shown = (
        df
        if fmt != Format.table
        else df[
            [
                "cytokine",
                "formulation",
                "mean_inhibition",
                "hours_ge_50",
                "hours_ge_90",
                "trough_inhibition",
                "peak_inhibition",
                "ic50_total_nM",
                "tier",
                "caveats",
            ]
        ]
    )
    emit(
        shown,
        fmt,
        title=f"{drug} {df.regimen.iloc[0]}: steady-state inhibition over 24 h "
        f"(PK model {df.pk_model.iloc[0]})",
        version=kb.version,
    )
    print_patient(df, fmt)


@handles_errors
def pk_check_cmd(fmt: Format = FORMAT_OPT):
    """Predicted / observed Cmax, Tmax, AUC, half-life for every figure in the KB."""
    from jakpath.exposure.check import pk_check

    kb = load_kb()
    df = pk_check(kb)
    emit(df, fmt, title="PK model vs label/paper figures", version=kb.version)


@handles_errors
def population_cmd(
    drug: str,
    regimen: str,
    n: int = typer.Option(10_000, "--n", help="Number of virtual subjects."),
    pathway: list[str] = typer.Option(
        None, "--pathway", "--pathways", "-p", help="Cytokine(s), repeat or comma-separate."
    ),
    backend: Backend = typer.Option(Backend.numpy, help="Where the population runs."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (tcp://host:8786)."),
    uncertainty: bool = typer.Option(True, help="Draw potencies from their uncertainty."),
    seed: int = typer.Option(0, help="Random seed (same subjects on every backend)."),
    fmt: Format = FORMAT_OPT,
    egfr: float = EGFR_OPT,
    crcl: float = CRCL_OPT,
    child_pugh: str = CHILD_PUGH_OPT,
    with_drugs: list[str] = WITH_OPT,
    cyp2c19: str = CYP2C19_OPT,
    weight: float = WEIGHT_OPT,
    age: float = AGE_OPT,
    sex: str = SEX_OPT,
):
    """Percentiles of daily inhibition over a virtual population of N subjects.

    Patient options as for ``simulate`` (every subject shares them).
    """
    from rich.progress import Progress

    from jakpath.population import BackendError, population

    kb = load_kb()
    try:
        with Progress(console=err_console, transient=True) as bar:
            task = bar.add_task("simulating", total=n)
            df = population(
                drug,
                regimen,
                n=n,
                pathways=split_names(pathway),
                backend=backend.value,
                scheduler=scheduler,
                uncertainty=uncertainty,
                seed=seed,
                kb=kb,
                progress=lambda done, total: bar.update(task, completed=done),
                patient=patient_of(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex),
            )
    except BackendError as exc:
        fail(escape(str(exc)))
    emit(
        df,
        fmt,
        title=f"{drug} {regimen}: {n} virtual subjects ({backend}, "
        f"{df.attrs['subject_days_per_s']:.3g} subject-days/s)",
        version=kb.version,
    )
    if fmt == Format.table:
        for note in df.attrs["notes"]:
            console.print(f"[dim]{note}[/]", highlight=False)
