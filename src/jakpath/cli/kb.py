"""Knowledge-base commands: ``kb validate``, ``kb stats``, ``drug``, ``cytokine``, ``disease``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from jakpath.cli.options import (
    FORMAT_OPT,
)
from jakpath.cli.output import (
    Format,
    emit,
    fail,
    handles_errors,
)
from jakpath.kb import load_kb


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


@handles_errors
def kb_stats(fmt: Format = FORMAT_OPT):
    """Rows per table and the share of values per quality tier."""
    kb = load_kb()
    emit(kb.stats(), fmt, title="knowledge base", version=kb.version)


def _facts(df: pd.DataFrame, drop=()) -> pd.DataFrame:
    return df.drop(columns=[c for c in drop if c in df.columns]).reset_index(drop=True)


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
