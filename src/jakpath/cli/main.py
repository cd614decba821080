"""The ``jakpath`` command line: a thin layer over the Python API."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.markup import escape

from jakpath import __version__
from jakpath.cli.cases import app as cases_app
from jakpath.cli.export import app as export_app
from jakpath.cli.output import (
    DISCLAIMER,
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
from jakpath.formats import csv_text
from jakpath.kb import load_kb

app = typer.Typer(
    help=f"jakpath: JAK inhibitors, cytokine pathways and diseases. {DISCLAIMER}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Knowledge base: validate and count.", no_args_is_help=True)
pk_app = typer.Typer(help="PK models: check against label and paper figures.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(
    export_app,
    name="export",
    help="Exports: knowledge graph (KGX), regimen models "
    "(SBML), tables and results with a manifest.",
)
app.add_typer(
    cases_app,
    name="cases",
    help="Evidence registry: list, add, import, export, summarise case reports, series and trials.",
)
app.add_typer(pk_app, name="pk")
validate_app = typer.Typer(
    help="Check the model against independent results.", no_args_is_help=True
)
app.add_typer(validate_app, name="validate")

FORMAT_OPT = typer.Option(Format.table, "--format", "-f", help="table, json or csv")


def _version_callback(value: bool):
    if value:
        kb = load_kb(strict=False)
        console.print(f"jakpath {__version__} (data {kb.version})", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version_callback,
        is_eager=True,
        help="Show code and data versions.",
    ),
):
    """Jakpath command line."""


# --- knowledge base --------------------------------------------------------------------
@kb_app.command("validate")
@handles_errors
def kb_validate(
    data_dir: Path = typer.Option(None, "--data-dir", help="Validate this directory instead."),
):
    """Check schema, types, units, ranges, references and sources; exit 1 on any error."""
    from jakpath.kb.validate import errors, validate

    if data_dir is not None and not data_dir.is_dir():
        fail(f"--data-dir {data_dir}: no such directory")
    problems = validate(data_dir)
    for p in problems:
        typer.echo(f"{p.severity}: {p}")
    n_err = len(errors(problems))
    if n_err:
        typer.echo(f"{n_err} error(s), {len(problems) - n_err} warning(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"knowledge base valid ({len(problems)} warning(s))")


@kb_app.command("stats")
@handles_errors
def kb_stats(fmt: Format = FORMAT_OPT):
    """Rows per table and the share of values per quality tier."""
    kb = load_kb()
    emit(kb.stats(), fmt, title="knowledge base", version=kb.version)


# --- entities -----------------------------------------------------------------------------
def _facts(df: pd.DataFrame, drop=()) -> pd.DataFrame:
    return df.drop(columns=[c for c in drop if c in df.columns]).reset_index(drop=True)


@app.command("drug")
@handles_errors
def drug_cmd(name: str, fmt: Format = FORMAT_OPT):
    """Cited facts about a drug: identity, properties, enzyme potency, PK, approvals."""
    kb = load_kb()
    d = kb.drug(name)
    ident = pd.DataFrame(
        [
            {"field": k, "value": v}
            for k, v in {
                "drug_id": d.drug_id,
                "name": d.name,
                "synonyms": "; ".join(d.synonyms),
                "chembl_id": d.chembl_id,
                "mechanism": d.mechanism,
                "selectivity": d.selectivity,
                "status": d.status,
                "route": d.route,
                "parent": d.parent_drug_id,
                "sources": kb.cite(d.source_ids),
            }.items()
        ]
    )
    props = _facts(kb.drug_properties[kb.drug_properties.drug_id == d.drug_id], ["drug_id"])
    from jakpath.inhibition.potency import enzyme_summary

    enz = enzyme_summary(kb)
    enz = _facts(enz[enz.drug_id == d.drug_id], ["drug_id"])
    models = kb.pk_models[kb.pk_models.drug_id == d.drug_id]
    pk = _facts(kb.pk_parameters[kb.pk_parameters.model_id.isin(models.model_id)])
    appr = _facts(kb.approvals[kb.approvals.drug_id == d.drug_id], ["drug_id"])
    boxed = _facts(kb.boxed_warnings[kb.boxed_warnings.drug_id == d.drug_id], ["drug_id"])
    if fmt == Format.table:
        emit(ident, fmt, title=f"{d.name}")
        emit(props, fmt, title="properties")
        emit(enz, fmt, title="enzyme potency (Ki basis, geometric mean)")
        emit(pk, fmt, title="PK parameters")
        emit(appr, fmt, title="approvals")
        emit(boxed, fmt, title="boxed warnings", version=kb.version)
        return
    sections = {
        "identity": ident,
        "properties": props,
        "enzyme_potency": enz,
        "pk_parameters": pk,
        "approvals": appr,
        "boxed_warnings": boxed,
    }
    combined = pd.concat([s.assign(section=k) for k, s in sections.items()], ignore_index=True)
    emit(combined, fmt, version=kb.version)


@app.command("cytokine")
@handles_errors
def cytokine_cmd(name: str, fmt: Format = FORMAT_OPT):
    """Cited facts about a cytokine: receptors, chains and JAKs, STATs, safety class."""
    kb = load_kb()
    c = kb.cytokine(name)
    row = kb.cytokines[kb.cytokines.cytokine_id == c.cytokine_id]
    rec = kb.receptors[kb.receptors.cytokine_id == c.cytokine_id]
    chains = kb.receptor_chains[kb.receptor_chains.receptor_id.isin(rec.receptor_id)]
    drivers = kb.upstream_drivers[
        (kb.upstream_drivers.cytokine_id == c.cytokine_id)
        | (kb.upstream_drivers.driver_cytokine_id == c.cytokine_id)
    ]
    if fmt == Format.table:
        emit(
            _facts(row).T.reset_index().rename(columns={"index": "field", 0: "value"}),
            fmt,
            title=c.name,
        )
        emit(_facts(chains), fmt, title="receptor chains -> JAKs")
        emit(_facts(drivers), fmt, title="upstream drivers (non-JAK links)", version=kb.version)
        return
    combined = pd.concat(
        [
            row.assign(section="cytokine"),
            chains.assign(section="chains"),
            drivers.assign(section="upstream_drivers"),
        ],
        ignore_index=True,
    )
    emit(combined, fmt, version=kb.version)


@app.command("disease")
@handles_errors
def disease_cmd(name: str, fmt: Format = FORMAT_OPT):
    """Cited facts about a disease: identifiers and driving cytokines with weights."""
    kb = load_kb()
    d = kb.disease(name)
    from jakpath.kb.weights import rule_text

    drivers = kb.driver_weights(d.disease_id)
    appr = kb.approvals[kb.approvals.disease_id == d.disease_id]
    if fmt == Format.table:
        emit(
            pd.DataFrame(
                [
                    {
                        "disease_id": d.disease_id,
                        "name": d.name,
                        "MONDO": d.mondo_id,
                        "EFO": d.efo_id,
                        "synonyms": "; ".join(d.synonyms),
                    }
                ]
            ),
            fmt,
            title=d.name,
        )
        emit(
            _facts(
                drivers[
                    [
                        "cytokine_id",
                        "rank",
                        "certainty",
                        "weight",
                        "evidence_note",
                        "source_ids",
                        "location",
                    ]
                ]
            ),
            fmt,
            title=f"driving cytokines ({rule_text()})",
        )
        emit(_facts(appr, ["disease_id"]), fmt, title="approved JAK inhibitors", version=kb.version)
        return
    emit(_facts(drivers).assign(disease_name=d.name, mondo_id=d.mondo_id), fmt, version=kb.version)


# --- exposure and inhibition ---------------------------------------------------------------
EGFR_OPT = typer.Option(None, "--egfr", help="Patient eGFR, mL/min/1.73 m2.")
CRCL_OPT = typer.Option(None, "--crcl", help="Patient creatinine clearance, mL/min.")
CHILD_PUGH_OPT = typer.Option(None, "--child-pugh", help="Hepatic impairment class A, B or C.")
WITH_OPT = typer.Option(None, "--with", help="Interacting drug (repeat for several).")
CYP2C19_OPT = typer.Option(None, "--cyp2c19", help="CYP2C19 phenotype (poor ... ultrarapid).")
WEIGHT_OPT = typer.Option(None, "--weight", help="Body weight, kg.")
AGE_OPT = typer.Option(None, "--age", help="Age, years.")
SEX_OPT = typer.Option(None, "--sex", help="female or male.")


def _patient(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex):
    from jakpath.exposure.patient import patient_from_options

    return patient_from_options(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)


def _print_patient(df: pd.DataFrame, fmt: Format) -> None:
    """Below a table: the covariate effects applied and the label's recommendation."""
    if fmt != Format.table or "patient" not in df.columns:
        return
    effects = df.attrs.get("patient_effects")
    console.print(f"[bold]patient:[/] {df.patient.iloc[0]}", highlight=False)
    if effects is not None and len(effects):
        for r in effects.itertuples():
            flag = f" [yellow]({r.flag})[/]" if r.flag else ""
            console.print(
                f"  {r.covariate} {r.patient_value}: {r.parameter} x {r.factor:.3g} "
                f"[dim]({r.source})[/]{flag}",
                highlight=False,
            )
        console.print(
            f"  AUC patient/typical: {effects.auc_ratio_vs_typical.iloc[0]:.3g}", highlight=False
        )
    for rec in df.attrs.get("label_recommendations") or [df.label_recommendation.iloc[0]]:
        console.print(f"[bold]{rec}[/]", highlight=False)


@app.command("simulate")
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
    patient = _patient(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)
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
    _print_patient(df, fmt)


@app.command("inhibition")
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

    patient = _patient(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)
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
    _print_patient(df, fmt)


@app.command("potency")
@handles_errors
def potency_cmd(
    drug: str = typer.Argument(
        ...,
        help="A drug; 'check' for the leave-one-drug-out check; 'study' to compare models; "
        "'audit' for every record and whether it is used.",
    ),
    audit_drug: str = typer.Argument(None, help="audit: only this drug's records."),
    fmt: Format = FORMAT_OPT,
    plot: Path = typer.Option(None, "--plot", help="study: write the figure."),
    docs: Path = typer.Option(
        None, "--docs", help="study: write a Markdown report and its figure beside it."
    ),
):
    """Per pathway: the potency used, its tier, species, interval, basis and source."""
    if drug == "check":
        return _potency_check(fmt)
    if drug == "study":
        return _potency_study(fmt, plot, docs)
    if drug == "audit":
        return _potency_audit(fmt, audit_drug)
    from jakpath.inhibition.potency import potency_table

    kb = load_kb()
    df = potency_table(kb, drug)
    df = df.assign(uncertainty_fold=10**df.log10_sd)
    shown = (
        df
        if fmt != Format.table
        else df[
            [
                "cytokine_id",
                "ic50_total_nM",
                "relation",
                "low_nM",
                "high_nM",
                "tier",
                "species",
                "n_records",
                "basis",
                "sources",
                "flags",
            ]
        ]
    )
    emit(shown, fmt, title=f"pathway potency: {kb.drug_names.resolve(drug)}", version=kb.version)


def _potency_audit(fmt: Format, drug: str | None):
    """Every potency record: used or not, for which potency, and why."""
    from jakpath.inhibition.potency import potency_audit

    kb = load_kb()
    df = potency_audit(kb, drug)
    emit(
        df,
        fmt,
        title="potency records: used for which potency, and why not",
        version=kb.version,
    )
    if fmt == Format.table:
        console.print(
            f"{int(df.used.sum())} of {len(df)} records used; "
            f"{int((df.species != 'human').sum())} non-human records, none used"
        )


def _potency_study(fmt: Format, plot: Path | None, docs: Path | None):
    """Four enzyme-to-pathway models compared by leave-one-drug-out cross-validation."""
    from jakpath.inhibition.potency_study import (
        headline,
        plot_study,
        potency_study,
        study_markdown,
        transfer_summary,
    )

    kb = load_kb()
    pred, summary = potency_study(kb)
    if plot:
        plot_study(pred, plot)
        err_console.print(f"figure written to {plot}")
    if docs:
        docs.parent.mkdir(parents=True, exist_ok=True)
        figure = docs.with_suffix(".png")
        plot_study(pred, figure)
        docs.write_text(study_markdown(pred, summary, figure.name, kb.version))
        err_console.print(f"report written to {docs}")
    if fmt == Format.table:
        for evaluation in ("whole_blood", "all_human"):
            emit(
                pd.DataFrame(headline(summary, evaluation)),
                fmt,
                title=f"enzyme -> pathway models, leave one drug out ({evaluation} values)",
            )
        for by in ("drug_id", "cytokine_id"):
            part = summary[(summary.by == by) & (summary.evaluation == "all_human")]
            emit(
                part.drop(columns=["by", "evaluation"]),
                fmt,
                title=f"by {by} (all human values)",
                version=kb.version if by == "cytokine_id" else "",
            )
    else:
        emit(
            pred,
            fmt,
            version=kb.version,
            extra={
                "summary": headline(summary, "whole_blood"),
                "summary_all_human": headline(summary, "all_human"),
                "same_jaks_transfer": transfer_summary(kb),
            },
        )


def _potency_check(fmt: Format):
    """Leave-one-drug-out prediction of every measured cellular value; fold errors."""
    import numpy as np

    from jakpath.inhibition.potency import potency_check

    kb = load_kb()
    df = potency_check(kb)
    emit(
        df.drop(columns=["prediction_inputs"]) if fmt == Format.table else df,
        fmt,
        title="enzyme -> pathway prediction, leave one drug out",
        version=kb.version,
    )
    fe = df.fold_error.dropna()
    if fmt == Format.table and len(fe):
        console.print(
            f"n={len(fe)}  median fold error {np.median(fe):.2f}  "
            f"90th percentile {np.percentile(fe, 90):.2f}  "
            f"within 3-fold {np.mean(fe <= 3):.0%}"
        )


@pk_app.command("check")
@handles_errors
def pk_check_cmd(fmt: Format = FORMAT_OPT):
    """Predicted / observed Cmax, Tmax, AUC, half-life for every figure in the KB."""
    from jakpath.exposure.check import pk_check

    kb = load_kb()
    df = pk_check(kb)
    emit(df, fmt, title="PK model vs label/paper figures", version=kb.version)


@app.command("rank")
@handles_errors
def rank_cmd(
    disease: str,
    top: int = typer.Option(None, "--top", min=1, help="Show the first N."),
    include: list[str] = typer.Option(
        None,
        "--include",
        help="Extra candidates: a label use left out by default (induction, loading, mpn, "
        "acute, all) or 'DRUG REGIMEN', e.g. --include 'tofacitinib 10 mg bid'.",
    ),
    order: str = typer.Option(
        "combined", "--order", help="combined | mechanism | evidence | safety."
    ),
    metric: str = typer.Option("mean", help="mean or trough inhibition."),
    stability: bool = typer.Option(True, help="Rank stability (Monte Carlo)."),
    fmt: Format = FORMAT_OPT,
    plot: Path = typer.Option(None, "--plot", help="Coverage vs safety figure."),
    egfr: float = EGFR_OPT,
    crcl: float = CRCL_OPT,
    child_pugh: str = CHILD_PUGH_OPT,
    with_drugs: list[str] = WITH_OPT,
    cyp2c19: str = CYP2C19_OPT,
    weight: float = WEIGHT_OPT,
    age: float = AGE_OPT,
    sex: str = SEX_OPT,
):
    """Rank JAK-inhibitor regimens for DISEASE on mechanism, evidence and safety.

    Patient options as for ``simulate`` adjust every candidate's exposure where its model or
    label has the covariate, and list the label's dose recommendation in the row's flags.
    """
    from jakpath.matching import rank
    from jakpath.matching.candidates import FLAGGED_USES
    from jakpath.matching.scoring import ORDERS, SUMMARY_COLUMNS

    if order not in ORDERS:
        fail(f"--order must be one of {', '.join(ORDERS)}, got {order!r}")
    kb = load_kb()
    uses, extra = [], []
    for item in include or []:
        if item.strip().lower() in (*FLAGGED_USES, "all"):
            uses.append(item.strip().lower())
            continue
        parts = item.split(maxsplit=1)
        if len(parts) != 2:
            fail(
                f"--include needs 'DRUG REGIMEN' or one of {', '.join((*FLAGGED_USES, 'all'))}, "
                f"got {item!r}"
            )
        extra.append((parts[0], parts[1]))
    patient = _patient(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)
    df = rank(
        disease,
        extra,
        include=uses,
        kb=kb,
        metric=metric,
        stability=stability,
        order=order,
        patient=patient,
    )
    notes = df.attrs.get("notes", [])
    if plot:
        from jakpath.plots import plot_ranking

        plot_ranking(df, plot, kb=kb)
        err_console.print(f"figure written to {plot}")
    if top:
        df = df.head(top)
    title = (
        f"{kb.disease(disease).name}: candidates ranked by {order} "
        "(score = coverage + evidence - safety, each 0..1)"
    )
    if fmt == Format.table:
        cols = list(SUMMARY_COLUMNS) + (["p_first", "p_top3"] if stability else [])
        shown = df[cols].assign(flags=df["flags"].map("; ".join))
        emit(shown, fmt, title=title, float_fmt="{:.2f}")
        for note in notes:
            console.print(f"[dim]note: {escape(note)}[/]", highlight=False)
        console.print(
            "[dim]coverage: share of the disease's weighted drivers inhibited (mean over the "
            "day); evidence: strongest design for the drug in this disease (approved 1 ... "
            "mechanism only 0); safety: weighted off-target burden and label warnings (lower "
            "is better). `jakpath explain` shows why a row sits where it does.[/]",
            highlight=False,
        )
        console.print(f"[dim]data version {kb.version} - {DISCLAIMER}[/]", highlight=False)
        return
    emit(
        df.assign(flags=df["flags"].map("; ".join)) if fmt == Format.csv else df,
        fmt,
        title=title,
        version=kb.version,
        extra={
            "disease_id": df.attrs["disease_id"],
            "order": order,
            "patient": df.attrs.get("patient", ""),
            "notes": notes,
        },
    )


@validate_app.command("clinical")
@handles_errors
def validate_clinical_cmd(fmt: Format = FORMAT_OPT):
    """Predicted coverage and score of approved regimens vs placebo-adjusted trial responses."""
    from jakpath.matching.validation import clinical_validation

    kb = load_kb()
    summary, detail = clinical_validation(kb)
    if fmt == Format.table:
        emit(detail, fmt, title="regimens: predicted vs placebo-adjusted response")
        emit(
            summary,
            fmt,
            title="Spearman's rho per disease (nothing fitted to these outcomes)",
            version=kb.version,
        )
        return
    emit(summary, fmt, version=kb.version, extra={"regimens": detail.to_dict(orient="records")})


@app.command("explain")
@handles_errors
def explain_cmd(disease: str, drug: str, regimen: str, fmt: Format = FORMAT_OPT):
    """How each term of DRUG REGIMEN's score for DISEASE arose, with numbers and sources."""
    import json

    from jakpath.matching import explain

    kb = load_kb()
    out = explain(disease, drug, regimen, kb=kb)
    if fmt == Format.json:
        typer.echo(
            json.dumps(
                {"data_version": kb.version, "text": out["text"], "sections": out["sections"]},
                indent=1,
                default=float,
            )
        )
    elif fmt == Format.csv:
        fail("explain has no CSV form; use --format table or json")
    else:
        typer.echo(out["text"])


@app.command("population")
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
                patient=_patient(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex),
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


@app.command("serve")
@handles_errors
def serve_cmd(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
):
    """Run the web UI and HTTP API (OpenAPI at /docs); writes need JAKPATH_API_TOKEN."""
    from jakpath.extras import require

    uvicorn = require("uvicorn", "web", "jakpath serve")
    from jakpath.web import create_app
    from jakpath.web.app import warm_up

    console.print(f"jakpath on http://{host}:{port}  ({DISCLAIMER})", highlight=False)
    web_app = create_app()
    warm_up(web_app)  # open the store, import and compile now: the first page pays only its rank
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


DEMO_HIDDEN_COLUMNS = ("evidence_records", "burden", "label_burden", "flags")
"""Ranking summary columns the demo leaves out to fit a terminal."""


@app.command("demo")
@handles_errors
def demo_cmd(out: Path = typer.Option(None, "--out", help="Also write figures and CSVs here.")):
    """The main job on the shipped defaults: validate, summarise, and answer the seed cases."""
    from jakpath.inhibition.pathways import inhibition
    from jakpath.kb.validate import errors, validate

    kb = load_kb()
    n_err = len(errors(validate()))
    console.print(
        f"jakpath {__version__}, data {kb.version}: knowledge base "
        f"{'valid' if n_err == 0 else f'has {n_err} errors'}",
        highlight=False,
    )
    emit(kb.stats(), Format.table, title="knowledge base")
    seed = [("upadacitinib", "15 mg qd"), ("tofacitinib", "5 mg bid")]
    pathways = ["IL6", "IFNG", "IFNA", "IL2", "IL4", "IL15", "IL21", "EPO"]
    for drug, regimen in seed:
        df = inhibition(drug, regimen, pathways=pathways, kb=kb)
        emit(
            df[
                [
                    "cytokine",
                    "mean_inhibition",
                    "hours_ge_50",
                    "trough_inhibition",
                    "peak_inhibition",
                    "ic50_total_nM",
                    "tier",
                ]
            ],
            Format.table,
            title=f"{drug} {regimen}: steady-state pathway inhibition over 24 h",
        )
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"inhibition_{drug}.csv").write_text(csv_text(df, kb.version))
            from jakpath.exposure.regimen import parse_regimen
            from jakpath.plots import plot_regimen

            plot_regimen(drug, parse_regimen(regimen), out / f"{drug}.png", kb=kb)
    if _has_matching():
        from jakpath.matching import explain, rank
        from jakpath.matching.scoring import SUMMARY_COLUMNS

        demo_columns = [c for c in SUMMARY_COLUMNS if c not in DEMO_HIDDEN_COLUMNS]

        first = None
        for disease in (
            "dermatomyositis",
            "hidradenitis suppurativa",
            "cutaneous lupus erythematosus",
            "cutaneous Crohn's disease",
        ):
            df = rank(disease, kb=kb)
            first = first or (disease, df.iloc[0])
            emit(
                df.head(5)[demo_columns],
                Format.table,
                title=f"{disease}: top candidates (label doses for chronic use)",
                float_fmt="{:.2f}",
            )
        console.print(
            "Columns: score = coverage + evidence - safety (each 0..1, equal weights by rule). "
            "coverage = weighted share of the disease's driving cytokines inhibited over the "
            "day (direct, and through upstream drivers); evidence = strongest study design for "
            "the drug in this disease (approved 1, randomised trial 0.83, open-label trial "
            "0.67, cohort 0.5, case series 0.33, case report 0.17, mechanism only 0); "
            "evidence_patients = patients in those records; safety = half weighted off-target "
            "burden by safety class, half label warnings (boxed warnings, dose-limiting "
            "toxicities); lower is better.",
            highlight=False,
        )
        disease, row = first
        console.rule(f"Why {row.drug} {row.regimen} is first for {disease}")
        console.print(
            explain(disease, row.drug, row.regimen, kb=kb)["text"], highlight=False, markup=False
        )
    console.print(DISCLAIMER, highlight=False)


def _has_matching() -> bool:
    import importlib.util

    return importlib.util.find_spec("jakpath.matching") is not None


def main() -> None:
    """Console-script entry point."""
    app()
