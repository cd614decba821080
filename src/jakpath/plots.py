"""Static figures (Matplotlib): concentration with IC50 lines and pathway inhibition.

Figures are drawn with Matplotlib's object-oriented API (``matplotlib.figure.Figure``, saved by
the file type's own canvas): no pyplot state, no global backend switch, and Matplotlib is
imported only when a figure is drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jakpath.exposure.model import simulate
from jakpath.exposure.regimen import Regimen
from jakpath.inhibition.pathways import pathway_inhibition_course, resolve_pathways
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.notice import figure_footer

DEFAULT_PLOT_PATHWAYS = ("IL6", "IFNA", "IFNG", "IL2", "IL15", "IL4", "IL23", "EPO", "GMCSF", "TPO")
"""Pathways drawn when none are given: the seed's and the main safety classes'."""

SUFFIXES = (".png", ".svg", ".pdf")


def _figure(figsize: tuple[float, float]):
    """A new Matplotlib figure, not registered with pyplot (nothing to close, no backend)."""
    from jakpath.extras import require

    return require("matplotlib.figure", "plot", "Drawing figures").Figure(figsize=figsize)


def plot_regimen(
    drug: str,
    regimen: Regimen,
    path: str | Path,
    *,
    kb: KnowledgeBase | None = None,
    pathways=None,
    days: float = 1.0,
) -> Path:
    """Two panels: plasma concentration with pathway IC50 lines; inhibition of each pathway."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"figure file must end in {', '.join(SUFFIXES)}, got {path.name!r}")
    kb = kb or load_kb()
    drug_id = kb.drug_names.resolve(drug)
    reg = regimen.with_doses(None)
    cids = (
        resolve_pathways(kb, pathways)
        if pathways
        else [c for c in DEFAULT_PLOT_PATHWAYS if c in set(kb.cytokines.cytokine_id)]
    )
    t = np.linspace(0.0, reg.interval_h if days <= 1 else days * 24.0, 481)
    conc = simulate(drug_id, reg, times_h=t, kb=kb, include_metabolites=False)
    inh, used, model = pathway_inhibition_course(kb, drug_id, [reg], cids, t)
    fig = _figure(figsize=(8, 7))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    ax1.plot(t, conc.conc_total_nM, color="black", lw=2, label=f"{drug_id} total plasma")
    for j, p in enumerate(used[0]):
        if np.isfinite(p.ic50_total_nM):
            ax1.axhline(
                p.ic50_total_nM,
                ls="--",
                lw=0.8,
                color=f"C{j % 10}",
                label=f"IC50 {p.cytokine_id} ({p.tier})",
            )
    ax1.set_yscale("log")
    ax1.set_ylabel("concentration (nM, total plasma)")
    ax1.set_title(f"{drug_id} {reg.label()} at steady state")
    ax1.legend(fontsize=7, ncol=2)
    for j, cid in enumerate(cids):
        ax2.plot(t, 100 * inh[0, :, j], color=f"C{j % 10}", label=cid)
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("pathway inhibition (%)")
    ax2.set_xlabel("time after dose (h)")
    ax2.legend(fontsize=7, ncol=4)
    fig.text(0.01, 0.005, figure_footer(kb.version), fontsize=6)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_ranking(table, path: str | Path, *, kb: KnowledgeBase | None = None) -> Path:
    """Coverage against safety (burden and label) for every candidate; Pareto set joined."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(f"figure file must end in {', '.join(SUFFIXES)}, got {path.name!r}")
    kb = kb or load_kb()
    fig = _figure(figsize=(8, 6))
    ax = fig.subplots()
    ax.scatter(table.safety, table.coverage, c="C0")
    front = table[table.pareto].sort_values("safety")
    ax.plot(front.safety, front.coverage, color="C3", lw=1, label="Pareto set")
    for r in table.itertuples():
        ax.annotate(
            f"{r.drug} {r.regimen}",
            (r.safety, r.coverage),
            fontsize=7,
            xytext=(3, 3),
            textcoords="offset points",
        )
    ax.set_xlabel("safety (weighted off-target burden and label warnings; lower is better)")
    ax.set_ylabel("coverage of driving pathways (direct + indirect)")
    ax.set_title(f"{table.attrs.get('disease_id', '')}: coverage vs safety")
    ax.legend()
    fig.text(0.01, 0.005, figure_footer(kb.version), fontsize=6)
    fig.tight_layout()
    fig.savefig(path)
    return path
