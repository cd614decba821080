"""The ``potency`` command: the potency table, its audit, the predictor study and check."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from jakpath.cli.options import (
    FORMAT_OPT,
)
from jakpath.cli.output import (
    Format,
    console,
    emit,
    err_console,
    handles_errors,
)
from jakpath.kb import load_kb


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
