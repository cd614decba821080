"""Plain-language explanation of one candidate's score, built from the computed numbers."""

from __future__ import annotations

import numpy as np

from jakpath.exposure.model import pk_model, simulate
from jakpath.exposure.regimen import parse_regimen
from jakpath.inhibition.pathways import inhibition
from jakpath.inhibition.potency import _potency_table
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.kb.weights import rule_text
from jakpath.matching.scoring import BURDEN_PENALTY, _disease_setup, rank
from jakpath.notice import DISCLAIMER

NOTABLE_INHIBITION = 0.2
"""Mean daily inhibition from which a pathway is listed among those the regimen inhibits."""


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def explain(
    disease: str, drug: str, regimen, *, kb: KnowledgeBase | None = None, store=None
) -> dict:
    """How each term of a candidate's score arose, with numbers and sources.

    ``store`` is the evidence store (or URL) the evidence level is read from, as in
    :func:`~jakpath.matching.scoring.rank` (default: the user's store).

    Returns a dict with ``text`` (plain language, one section per term) and ``sections``
    (the same content as structured records) and ``row`` (the candidate's ranking row).
    """
    kb = kb or load_kb()
    did, drivers, jak = _disease_setup(kb, disease)
    drug_id = kb.drug_names.resolve(drug)
    reg = parse_regimen(regimen).with_doses(None)
    table = rank(did, [(drug_id, reg)], kb=kb, stability=False, store=store)
    row = table[(table.drug == drug_id) & (table.regimen == reg.label())].iloc[0]
    d = kb.disease(did)
    pots = _potency_table(kb)
    inh = inhibition(drug_id, reg, kb=kb).set_index("cytokine")
    lines: list[str] = []
    sections: dict[str, list] = {}

    lines.append(
        f"{kb.drug(drug_id).name} {reg.label()} for {d.name} "
        f"(MONDO {d.mondo_id or 'n/a'}): rank {int(row['rank'])} of {len(table)}, "
        f"score {row.score:.3f} = coverage {row.coverage:.3f} - {BURDEN_PENALTY:g} x "
        f"mean burden {row.burden_total:.3f}."
    )
    lines.append("")
    lines.append(f"1. What drives {d.name} (weights: {rule_text()}):")
    sections["drivers"] = []
    for r in drivers.itertuples():
        c = kb.cytokine(r.cytokine_id)
        how = (
            f"signals through {'+'.join(c.jaks)}"
            if c.jak_signalling
            else "does not signal through JAKs"
        )
        lines.append(
            f"   - {c.name} ({r.cytokine_id}): rank {r.rank} ({r.certainty}), weight "
            f"{r.weight:.3f}; {how}. Source: {kb.cite(r.source_ids)} [{r.location}]"
        )
        sections["drivers"].append(
            {
                "cytokine": r.cytokine_id,
                "rank": int(r.rank),
                "weight": r.weight,
                "jaks": list(c.jaks),
                "sources": r.source_ids,
            }
        )
    model = pk_model(drug_id, reg.formulation, kb)
    sim = simulate(drug_id, reg, step_h=0.05, kb=kb, include_metabolites=False)
    c = sim.conc_total_nM.to_numpy()
    lines.append("")
    lines.append(
        f"2. Exposure ({model.model_id}, {model.structure}, {model.absorption}; "
        f"{model.sources.get('CL_F', model.sources.get('css_nM', ''))}):"
    )
    lines.append(
        f"   steady state over 24 h: Cmax {c.max():.3g} nM, Cmin {c.min():.3g} nM, "
        f"Cavg {np.mean(c):.3g} nM (total plasma)" + (f"; note: {model.note}" if model.note else "")
    )
    sections["exposure"] = [
        {
            "model": model.model_id,
            "cmax_nM": float(c.max()),
            "cmin_nM": float(c.min()),
            "cavg_nM": float(np.mean(c)),
        }
    ]
    lines.append("")
    lines.append("3. Potency and inhibition of each JAK-signalling driver:")
    sections["direct"] = []
    for r in drivers.itertuples():
        if r.cytokine_id not in jak:
            continue
        p = pots.loc[(drug_id, r.cytokine_id)].potency
        m = inh.loc[r.cytokine_id]
        lines.append(
            f"   - {r.cytokine_id}: IC50 {p.ic50_total_nM:.3g} nM on the total-plasma scale "
            f"({p.tier}; {p.basis}; {p.detail}; sources {p.sources}) -> mean inhibition "
            f"{_pct(m.mean_inhibition)}, trough {_pct(m.trough_inhibition)}, peak "
            f"{_pct(m.peak_inhibition)}, {m.hours_ge_50:.1f} h/day at >=50%; contributes "
            f"{r.weight * m.mean_inhibition:.3f} to coverage."
        )
        sections["direct"].append(
            {
                "cytokine": r.cytokine_id,
                "ic50_total_nM": p.ic50_total_nM,
                "tier": p.tier,
                "mean_inhibition": m.mean_inhibition,
                "contribution": r.weight * m.mean_inhibition,
            }
        )
    lines.append(f"   direct coverage = {row.direct_coverage:.3f}")
    lines.append("")
    lines.append(
        "4. Indirect coverage of non-JAK drivers through their JAK-dependent "
        "upstream drivers (dependency weights are documented assumptions):"
    )
    sections["indirect"] = []
    ups = kb.upstream_drivers
    for r in drivers.itertuples():
        if r.cytokine_id in jak:
            continue
        g = ups[ups.cytokine_id == r.cytokine_id]
        if g.empty:
            lines.append(f"   - {r.cytokine_id}: no JAK-dependent upstream driver curated -> 0")
            continue
        parts = [
            f"{u.driver_cytokine_id} {u.dependency_weight:g} x "
            f"{_pct(inh.loc[u.driver_cytokine_id].mean_inhibition)}"
            for u in g.itertuples()
            if u.driver_cytokine_id in inh.index
        ]
        reach = row.get(f"indirect_{r.cytokine_id}", 0.0)
        lines.append(
            f"   - {r.cytokine_id}: {' + '.join(parts)} = {_pct(reach)} reduction; "
            f"contributes {r.weight * reach:.3f}. ({g.note.iloc[0]})"
        )
        sections["indirect"].append(
            {"cytokine": r.cytokine_id, "reach": reach, "contribution": r.weight * reach}
        )
    lines.append(f"   indirect coverage = {row.indirect_coverage:.3f}")
    lines.append("")
    lines.append("5. Off-target burden by safety class (pathways not driving this disease):")
    sections["burden"] = []
    cyt = kb.cytokines.set_index("cytokine_id")
    driver_ids = set(drivers.cytokine_id)
    for cls in ("haematopoiesis", "lymphocyte_nk", "antiviral", "metabolic_endocrine"):
        members = [
            x
            for x in cyt.index[(cyt.safety_class == cls) & (cyt.jak_signalling == "yes")]
            if x not in driver_ids
        ]
        detail = ", ".join(f"{x} {_pct(inh.loc[x].mean_inhibition)}" for x in members)
        lines.append(f"   - {cls}: mean {_pct(row[f'burden_{cls}'])} ({detail})")
        sections["burden"].append(
            {"class": cls, "burden": row[f"burden_{cls}"], "pathways": members}
        )
    notable = inh[inh.mean_inhibition >= NOTABLE_INHIBITION].sort_values(
        "mean_inhibition", ascending=False
    )
    lines.append("")
    lines.append(
        f"6. Signalling this regimen inhibits by >= {_pct(NOTABLE_INHIBITION)} on "
        "average over the day: "
        + ", ".join(f"{k} {_pct(v)}" for k, v in notable.mean_inhibition.items())
    )
    sections["notable"] = [
        {"cytokine": k, "mean_inhibition": v} for k, v in notable.mean_inhibition.items()
    ]
    lines.append("")
    lines.append(
        f"7. Evidence: {row.evidence_level} ({row.evidence_records} record(s)) "
        f"{row.evidence_detail}"
    )
    sections["evidence"] = [
        {
            "level": row.evidence_level,
            "records": int(row.evidence_records),
            "detail": row.evidence_detail,
        }
    ]
    caveats = sorted({x for x in inh.caveats if x})
    if caveats:
        lines.append("")
        lines.append("Caveats: " + " | ".join(caveats))
    lines.append("")
    lines.append(f"Data version {kb.version}. {DISCLAIMER}")
    return {"text": "\n".join(lines), "sections": sections, "row": row.to_dict()}
