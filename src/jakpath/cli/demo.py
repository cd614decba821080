"""The ``demo`` command: the main job on the shipped defaults."""

from __future__ import annotations

from pathlib import Path

import typer

from jakpath import __version__
from jakpath.cli.output import (
    DISCLAIMER,
    Format,
    console,
    emit,
    handles_errors,
)
from jakpath.formats import csv_text
from jakpath.kb import load_kb

DEMO_HIDDEN_COLUMNS = ("evidence_records", "burden", "label_burden", "flags")
"""Ranking summary columns the demo leaves out to fit a terminal."""


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
