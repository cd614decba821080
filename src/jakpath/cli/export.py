"""``jakpath export ...``: knowledge graph (KGX), SBML model, tables and results with manifests."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from jakpath.cli.output import console, handles_errors, split_names
from jakpath.kb import load_kb

app = typer.Typer(
    help="Export the knowledge graph (KGX), SBML models, tables and results (with manifests).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class TableFormat(StrEnum):
    """File formats of table exports."""

    csv = "csv"
    parquet = "parquet"


def _report(manifest: dict, directory: Path) -> None:
    files = ", ".join(f"{f['name']} ({f['rows']} rows)" for f in manifest["files"])
    console.print(
        f"wrote {files} and manifest.json to {directory} "
        f"(data version {manifest['data_version']}, jakpath {manifest['jakpath_version']})",
        highlight=False,
    )


@app.command("kgx")
@handles_errors
def kgx_cmd(directory: Path = typer.Argument(..., help="Output directory.")):
    """Biolink knowledge graph: nodes/edges as KGX TSV and JSON Lines, plus manifest.json."""
    from jakpath.export.kgx import write_kgx

    _report(write_kgx(directory, load_kb()), directory)


@app.command("sbml")
@handles_errors
def sbml_cmd(
    drug: str = typer.Argument(..., help="Drug name, brand or code."),
    regimen: str = typer.Argument(..., help='Regimen, e.g. "15 mg qd" or "15 mg XR".'),
    file: Path = typer.Argument(..., help="SBML file to write."),
    pathway: list[str] = typer.Option(
        None,
        "--pathway",
        "--pathways",
        "-p",
        help="Pathway (cytokine) to add I = C/(C+IC50) for; repeat or comma-separate.",
    ),
    days: float = typer.Option(7.0, "--days", min=0.01, help="Days of dosing events."),
):
    """SBML Level 3 model of a regimen: PK compartments, dosing events, inhibition rules."""
    from jakpath.export.sbml import write_sbml

    ex = write_sbml(drug, regimen, file, pathways=split_names(pathway), days=days, kb=load_kb())
    console.print(
        f"wrote {file}: {ex.drug_id} {ex.regimen.label()}, PK model {ex.model_id}, "
        f"{ex.n_events} dosing events over {days:g} days, inhibition rules for "
        f"{', '.join(ex.pathways) or 'no pathway'} (data version {ex.data_version})",
        highlight=False,
    )


@app.command("tables")
@handles_errors
def tables_cmd(
    directory: Path = typer.Argument(..., help="Output directory."),
    fmt: TableFormat = typer.Option(TableFormat.csv, "--format", "-f", help="csv or parquet"),
):
    """Every knowledge-base table as CSV or Parquet, plus manifest.json."""
    from jakpath.export.tables import write_tables

    _report(write_tables(directory, load_kb(), fmt.value), directory)


@app.command("results")
@handles_errors
def results_cmd(
    directory: Path = typer.Argument(..., help="Output directory."),
    drug: str = typer.Option(..., "--drug", help="Drug name, brand or code."),
    regimen: str = typer.Option(..., "--regimen", help='Regimen, e.g. "15 mg qd".'),
    disease: str = typer.Option(None, "--disease", help="Also rank candidates for a disease."),
    fmt: TableFormat = typer.Option(TableFormat.csv, "--format", "-f", help="csv or parquet"),
    days: float = typer.Option(1.0, "--days", min=0.01, help="Span of the simulation table."),
    stability: bool = typer.Option(
        True, "--stability/--no-stability", help="Rank-stability columns (slower)."
    ),
):
    """Simulation, inhibition, potency, PK-model and ranking tables, plus manifest.json."""
    from jakpath.export.tables import write_results

    manifest = write_results(
        directory,
        drug,
        regimen,
        disease,
        kb=load_kb(),
        fmt=fmt.value,
        days=days,
        stability=stability,
    )
    _report(manifest, directory)
