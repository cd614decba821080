"""Options and helpers shared by the command groups: output format, patient covariates."""

from __future__ import annotations

import pandas as pd
import typer

from jakpath.cli.output import (
    Format,
    console,
)

FORMAT_OPT = typer.Option(Format.table, "--format", "-f", help="table, json or csv")
"""The ``--format/-f`` option of every command that prints a table."""


EGFR_OPT = typer.Option(None, "--egfr", help="Patient eGFR, mL/min/1.73 m2.")
CRCL_OPT = typer.Option(None, "--crcl", help="Patient creatinine clearance, mL/min.")
CHILD_PUGH_OPT = typer.Option(None, "--child-pugh", help="Hepatic impairment class A, B or C.")
WITH_OPT = typer.Option(None, "--with", help="Interacting drug (repeat for several).")
CYP2C19_OPT = typer.Option(None, "--cyp2c19", help="CYP2C19 phenotype (poor ... ultrarapid).")
WEIGHT_OPT = typer.Option(None, "--weight", help="Body weight, kg.")
AGE_OPT = typer.Option(None, "--age", help="Age, years.")
SEX_OPT = typer.Option(None, "--sex", help="female or male.")


def patient_of(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex):
    """The Patient the covariate options describe (None when none is given)."""
    from jakpath.exposure.patient import patient_from_options

    return patient_from_options(egfr, crcl, child_pugh, with_drugs, cyp2c19, weight, age, sex)


def print_patient(df: pd.DataFrame, fmt: Format) -> None:
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
