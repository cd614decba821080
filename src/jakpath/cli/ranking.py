"""Ranking commands: ``rank``, ``explain``, ``validate clinical``."""

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
)
from jakpath.cli.output import (
    DISCLAIMER,
    Format,
    console,
    emit,
    err_console,
    fail,
    handles_errors,
)
from jakpath.kb import load_kb


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
    patient = patient_of(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)
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
        # the terminal table stays narrow: safety's two halves and the full flag texts are in
        # --format json/csv and in `jakpath explain`
        cols = [c for c in SUMMARY_COLUMNS if c not in ("burden", "label_burden")]
        cols += ["p_first", "p_top3"] if stability else []
        shown = df[cols].assign(flags=df["flags"].map(_short_flags))
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


def _short_flags(flags: list[str]) -> str:
    """Flags for the terminal table: each flag's kind (text before ':'), once."""
    return "; ".join(dict.fromkeys(f.split(":", 1)[0] for f in flags))
