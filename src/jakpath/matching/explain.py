"""Plain-language explanation of one candidate's score, built from the computed numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jakpath.exposure.model import pk_model, resolve_formulations, simulate
from jakpath.exposure.regimen import Regimen, parse_regimen
from jakpath.inhibition.pathways import inhibition
from jakpath.inhibition.potency import potency_map
from jakpath.kb import KnowledgeBase, load_kb
from jakpath.kb.weights import rule_text
from jakpath.matching.evidence_level import StoreLike, cached_with_evidence
from jakpath.matching.safety import LABEL_KIND_POINTS, label_facts, safety_model
from jakpath.matching.scoring import AXIS_WEIGHTS, EVIDENCE_POINTS, _disease_setup, rank
from jakpath.notice import DISCLAIMER

NOTABLE_INHIBITION = 0.2
"""Mean daily inhibition from which a pathway is listed among those the regimen inhibits."""


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _same(label: str, reg) -> bool:
    other = parse_regimen(label)
    return (
        abs(other.dose_mg - reg.dose_mg) < 1e-9
        and abs(other.interval_h - reg.interval_h) < 1e-9
        and other.formulation == reg.formulation
    )


def _ranked_among(table: pd.DataFrame) -> str:
    """What the rank counts, so that "rank k of n" matches the ranking table shown beside it.

    The label-dose candidates ``rank`` lists, plus this regimen if it is not one of them.
    """
    n_label = int((~table.user_regimen.astype(bool)).sum()) if "user_regimen" in table else None
    if n_label is None or n_label == len(table):
        return f"{len(table)} candidates (label doses for chronic use, as `jakpath rank` lists)"
    added = len(table) - n_label
    return (
        f"{len(table)} candidates (the {n_label} label-dose candidates `jakpath rank` lists, "
        + ("plus this regimen)" if added == 1 else f"plus {added} requested regimens)")
    )


def explain(
    disease: str,
    drug: str,
    regimen: str | Regimen,
    *,
    kb: KnowledgeBase | None = None,
    store: StoreLike = None,
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
    reg = parse_regimen(regimen) if isinstance(regimen, str) else regimen
    (reg,), _ = resolve_formulations(drug_id, [reg.with_doses(None)], kb)
    params = repr((did, drug_id, reg))
    return cached_with_evidence(
        kb, "explain", params, store, lambda: _explain(kb, did, drivers, jak, drug_id, reg, store)
    )


def _explain(kb, did, drivers, jak, drug_id, reg, store) -> dict:
    table = rank(did, [(drug_id, reg)], kb=kb, stability=False, store=store)
    hits = table[(table.drug == drug_id) & table.regimen.map(lambda t: _same(t, reg))]
    row = hits.iloc[0]
    d = kb.disease(did)
    pots = potency_map(kb)
    inh = inhibition(drug_id, reg, kb=kb).set_index("cytokine")
    lines: list[str] = []
    sections: dict[str, list] = {}
    lines.append(
        f"{kb.drug(drug_id).name} {row.regimen} for {d.name} ({d.mondo_id or 'no MONDO id'}): "
        f"rank {int(row['rank'])} of {_ranked_among(table)}, combined score "
        f"{row.score:.2f} = coverage {row.coverage:.2f} + evidence {row.evidence:.2f} "
        f"({row.evidence_level}) - safety {row.safety:.2f}."
    )
    lines.append(
        f"   Approved for: {row.approved_for} (label use: {row.uses}); approved for "
        f"{d.name}: {'yes' if row.approved_for_disease else 'no'}."
    )
    if row["flags"]:
        lines.append("   Flags: " + "; ".join(row["flags"]))
    above = table[table["rank"] < row["rank"]].head(3)
    if len(above):
        lines.append(
            "   Above it: "
            + "; ".join(
                f"{r.drug} {r.regimen} ({r.score:.2f}: coverage {r.coverage:.2f}, evidence "
                f"{r.evidence_level}, safety {r.safety:.2f})"
                for r in above.itertuples()
            )
        )
    lines.append(
        f"   Rule: score = {AXIS_WEIGHTS['mechanism']:g} x coverage + "
        f"{AXIS_WEIGHTS['evidence']:g} x evidence - {AXIS_WEIGHTS['safety']:g} x safety; "
        "evidence points "
        + ", ".join(f"{k} {v:.2f}" for k, v in EVIDENCE_POINTS.items())
        + " (equal steps; nothing fitted to outcomes)."
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
        p = pots[(drug_id, r.cytokine_id)]
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
    lines.append(
        f"5. Safety {row.safety:.2f} = (pathway burden {row.burden:.2f} + label burden "
        f"{row.label_burden:.2f}) / 2. Pathway burden by safety class (link-weighted mean "
        "inhibition of the class's pathways that do not drive this disease; class weight = "
        "label grade, RULES.md section 4):"
    )
    sections["burden"] = []
    sm = safety_model(kb)
    names = sm.classes.set_index("safety_class")
    driver_ids = set(drivers.cytokine_id)
    for cls in sm.pathway_classes:
        g = sm.links[(sm.links.safety_class == cls) & ~sm.links.cytokine_id.isin(driver_ids)]
        members = list(g.cytokine_id)
        detail = ", ".join(
            f"{x} {_pct(inh.loc[x].mean_inhibition)}" for x in members if x in inh.index
        )
        value = row.get(f"burden_{cls}", 0.0)
        lines.append(
            f"   - {names.loc[cls, 'name']} (weight {names.loc[cls, 'weight']:g}): "
            f"{_pct(value)} ({detail or 'its pathways drive this disease'})"
        )
        sections["burden"].append(
            {
                "class": cls,
                "weight": float(names.loc[cls, "weight"]),
                "burden": value,
                "pathways": members,
            }
        )
    facts = label_facts(kb, drug_id)
    lines.append(
        "   Label facts (points: "
        + ", ".join(f"{k} {v:g}" for k, v in LABEL_KIND_POINTS.items())
        + "):"
    )
    sections["label"] = []
    for r in facts.itertuples():
        lines.append(f"   - {r.kind}: {r.text} [{kb.cite(r.source_ids)}; {r.location}]")
        sections["label"].append(
            {
                "kind": r.kind,
                "text": r.text,
                "safety_class": r.safety_class,
                "sources": r.source_ids,
            }
        )
    if facts.empty:
        lines.append("   - none recorded (no boxed warning or dose-limiting toxicity)")
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
        f"7. Evidence: {row.evidence_level} (points {row.evidence:.2f}): "
        f"{row.evidence_detail or 'no approval and no published use in this disease'}"
    )
    sections["evidence"] = [
        {
            "level": row.evidence_level,
            "records": int(row.evidence_records),
            "patients": int(row.evidence_patients),
            "points": float(row.evidence),
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
