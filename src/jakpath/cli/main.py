"""The ``jakpath`` command line: a thin layer over the Python API.

This module assembles the app; the commands live by group in ``kb``, ``exposure``,
``potency``, ``ranking``, ``serve`` and ``demo`` (shared options in ``options``). Commands are
registered here in the order ``jakpath --help`` lists them.
"""

from __future__ import annotations

import typer

from jakpath import __version__
from jakpath.cli import demo as demo_cmds
from jakpath.cli import exposure as exposure_cmds
from jakpath.cli import kb as kb_cmds
from jakpath.cli import potency as potency_cmds
from jakpath.cli import ranking as ranking_cmds
from jakpath.cli import serve as serve_cmds
from jakpath.cli.cases import app as cases_app
from jakpath.cli.export import app as export_app
from jakpath.cli.output import DISCLAIMER, console
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


# --- commands, in help order ----------------------------------------------------------
kb_app.command("validate")(kb_cmds.kb_validate)
kb_app.command("stats")(kb_cmds.kb_stats)
app.command("drug")(kb_cmds.drug_cmd)
app.command("cytokine")(kb_cmds.cytokine_cmd)
app.command("disease")(kb_cmds.disease_cmd)
app.command("simulate")(exposure_cmds.simulate_cmd)
app.command("inhibition")(exposure_cmds.inhibition_cmd)
app.command("potency")(potency_cmds.potency_cmd)
pk_app.command("check")(exposure_cmds.pk_check_cmd)
app.command("rank")(ranking_cmds.rank_cmd)
validate_app.command("clinical")(ranking_cmds.validate_clinical_cmd)
app.command("explain")(ranking_cmds.explain_cmd)
app.command("population")(exposure_cmds.population_cmd)
app.command("serve")(serve_cmds.serve_cmd)
app.command("demo")(demo_cmds.demo_cmd)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # python -m jakpath.cli.main
    main()
