"""Knowledge-base tables and result tables as CSV or Parquet files, with a manifest.

``write_tables`` writes every knowledge-base table (``kb.tables``); ``write_results`` writes
the simulation, inhibition, potency and PK-model tables of one drug and regimen, and the
disease ranking when a disease is given. Both add ``manifest.json`` (see
:mod:`jakpath.export.manifest`). Parquet needs the optional ``pyarrow`` package.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jakpath.export.manifest import WrittenFile, write_manifest
from jakpath.extras import MissingExtraError, require
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.kb.tables import TABLES

FORMATS = ("csv", "parquet")


MissingDependencyError = MissingExtraError
"""An optional package an export format needs is not installed (the message names the extra)."""


def require_pyarrow() -> None:
    """Raise :class:`MissingDependencyError` naming ``pyarrow`` if it cannot be imported."""
    require("pyarrow", "export", "Parquet export (or use --format csv)")


def _check_format(fmt: str) -> str:
    fmt = str(getattr(fmt, "value", fmt)).lower()
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet":
        require_pyarrow()
    return fmt


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """A copy with integer schema columns as nullable integers (``2012``, not ``2012.0``)."""
    out = df.copy()
    out.attrs = {}
    table = TABLES.get(name)
    if table is not None:
        for col in table.columns:
            if col.kind == "int" and col.name in out.columns:
                out[col.name] = out[col.name].astype("Int64")
    return out


def write_frame(df: pd.DataFrame, path: Path, fmt: str) -> None:
    """Write one DataFrame as CSV (no index) or Parquet."""
    if fmt == "csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)


def _write_all(
    directory: str | Path,
    frames: dict[str, pd.DataFrame],
    fmt: str,
    kb: KnowledgeBase,
    kind: str,
    parameters: dict,
) -> dict:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, df in frames.items():
        fname = f"{name}.{fmt}"
        write_frame(df, out / fname, fmt)
        files.append(WrittenFile(fname, name, len(df), fmt))
    return write_manifest(out, kb, files, kind=kind, parameters=parameters)


def write_tables(directory: str | Path, kb: KnowledgeBase | None = None, fmt: str = "csv") -> dict:
    """Write every knowledge-base table (one file each) and ``manifest.json``.

    Args:
        directory: output directory (created if needed).
        kb: knowledge base (default: the shipped one).
        fmt: ``csv`` or ``parquet`` (needs ``pyarrow``).

    Returns:
        The manifest.

    Raises:
        MissingDependencyError: Parquet requested without ``pyarrow`` installed.
    """
    fmt = _check_format(fmt)
    kb = kb or load_kb()
    frames = {name: _typed(name, df) for name, df in kb.tables.items()}
    return _write_all(directory, frames, fmt, kb, "kb_tables", {"format": fmt})


def result_frames(
    drug: str,
    regimen: str,
    disease: str | None = None,
    *,
    kb: KnowledgeBase | None = None,
    days: float = 1.0,
    stability: bool = True,
) -> tuple[dict[str, pd.DataFrame], dict]:
    """The result tables of one drug and regimen (and disease), and the parameters used."""
    from jakpath.exposure.model import pk_model, resolve_formulations, simulate
    from jakpath.exposure.regimen import parse_regimen
    from jakpath.inhibition.pathways import inhibition
    from jakpath.inhibition.potency import potency_table

    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    (reg,), _ = resolve_formulations(drug, [parse_regimen(regimen)], kb)
    model = pk_model(drug_id, reg.formulation, kb)
    pk = pd.DataFrame(
        [
            {
                "drug_id": drug_id,
                "model_id": model.model_id,
                "formulation": model.formulation,
                "structure": model.structure,
                "absorption": model.absorption,
                "parameter": k,
                "value": v,
                "source": model.sources.get(k, ""),
            }
            for k, v in model.params.items()
        ]
    )
    frames = {
        "simulation": simulate(drug_id, reg, days=days, kb=kb),
        "inhibition": inhibition(drug_id, reg, kb=kb),
        "potency": potency_table(kb, drug_id),
        "pk_model": pk,
    }
    params = {
        "drug_id": drug_id,
        "regimen": str(regimen),
        "regimen_label": reg.label(),
        "days": days,
        "pk_model": model.model_id,
    }
    if disease is not None:
        from jakpath.matching import rank

        did = kb.disease_names.resolve(disease)
        frames["ranking"] = rank(did, [(drug_id, reg)], kb=kb, stability=stability)
        params["disease_id"] = did
        params["rank_stability"] = stability
    for df in frames.values():
        df.attrs = {}
    return frames, params


def write_results(
    directory: str | Path,
    drug: str,
    regimen: str,
    disease: str | None = None,
    *,
    kb: KnowledgeBase | None = None,
    fmt: str = "csv",
    days: float = 1.0,
    stability: bool = True,
) -> dict:
    """Write simulation, inhibition, potency, PK-model (and ranking) tables and a manifest.

    Args:
        directory: output directory (created if needed).
        drug: drug name, brand or code.
        regimen: regimen text, e.g. ``"15 mg qd"`` (simulated at steady state).
        disease: also rank candidates for this disease (the regimen is added to them).
        kb: knowledge base (default: the shipped one).
        fmt: ``csv`` or ``parquet`` (needs ``pyarrow``).
        days: span of the concentration-time table.
        stability: compute rank-stability columns of the ranking (slower).

    Returns:
        The manifest.
    """
    fmt = _check_format(fmt)
    kb = kb or load_kb()
    frames, params = result_frames(drug, regimen, disease, kb=kb, days=days, stability=stability)
    params["format"] = fmt
    return _write_all(directory, frames, fmt, kb, "results", params)
