"""Safety axis of the ranking: pathway burden by safety class and each label's safety facts.

Both parts are data with sources (``safety_classes.csv``, ``safety_class_pathways.csv``,
``label_safety.csv``; rules in ``data/RULES.md`` section 4):

- **Pathway burden** of a class: the link-weighted mean daily inhibition of the JAK pathways
  linked to the class (EPO -> anaemia, G-CSF -> neutropenia, IL-15 -> lymphopenia/NK, type I
  IFN -> herpes zoster, ...), leaving out pathways that drive the disease (a target is not a
  side effect). ``pathway_burden`` is the class-weight-weighted mean over classes (0..1).
- **Label burden**: the drug's own label facts in the drug-level classes (mortality,
  malignancy, MACE, thrombosis, encephalopathy, CPK) and its dose-limiting toxicities, each
  worth the points of the label section it sits in (``LABEL_KIND_POINTS``), as a share of the
  most a label could carry (0..1).
- ``safety = (pathway_burden + label_burden) / 2``: both halves count equally (a written rule:
  the regimen's pharmacology and the regulator's verdict on the drug).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jakpath.kb import KnowledgeBase

LABEL_KIND_POINTS = {
    "boxed_warning": 3.0,
    "dose_limiting_toxicity": 2.0,
    "warning": 2.0,
    "contraindication": 1.0,
}
"""Points of a label fact by the label section it sits in (RULES.md section 4: boxed warning 3,
Warnings and Precautions 2; a dose-limiting toxicity is managed in Dosage and W&P: 2)."""


@dataclass(frozen=True)
class SafetyModel:
    """Safety classes with weights, their pathway links, and per-drug label facts."""

    classes: pd.DataFrame  # safety_class, name, weight, drug_level
    links: pd.DataFrame  # cytokine_id, safety_class, link_weight
    label: pd.DataFrame  # drug_id, kind, text, safety_class, source_ids, location

    @property
    def pathway_classes(self) -> list[str]:
        """Classes measured through pathway inhibition."""
        c = self.classes
        return c[
            (c.drug_level != "yes") & c.safety_class.isin(self.links.safety_class)
        ].safety_class.tolist()

    @property
    def drug_level_classes(self) -> list[str]:
        """Classes that enter only through the drug's label facts."""
        return self.classes[self.classes.drug_level == "yes"].safety_class.tolist()


@functools.lru_cache(maxsize=4)
def safety_model(kb: KnowledgeBase) -> SafetyModel:
    """The knowledge base's safety classes, pathway links and label facts."""
    return SafetyModel(kb.safety_classes, kb.safety_class_pathways, kb.label_safety)


def class_pathways(kb: KnowledgeBase, driver_ids: set[str]) -> dict[str, list[tuple[str, float]]]:
    """Per pathway-level class: ``(cytokine, link weight)`` pairs, disease drivers left out."""
    sm = safety_model(kb)
    out = {}
    for cls in sm.pathway_classes:
        g = sm.links[(sm.links.safety_class == cls) & ~sm.links.cytokine_id.isin(driver_ids)]
        out[cls] = list(zip(g.cytokine_id, g.link_weight.astype(float), strict=True))
    return out


def pathway_burden(
    kb: KnowledgeBase,
    inh: np.ndarray,
    idx: dict[str, int],
    classes: dict[str, list[tuple[str, float]]],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Burden per class (link-weighted mean inhibition) and the class-weighted total (0..1).

    ``inh`` is any array (..., pathways); ``idx`` maps cytokine ids to its last axis.
    """
    sm = safety_model(kb)
    weights = sm.classes.set_index("safety_class").weight.astype(float)
    per: dict[str, np.ndarray] = {}
    total: np.ndarray = np.zeros(inh.shape[:-1])
    wsum = 0.0
    for cls, members in classes.items():
        if not members:
            per[cls] = np.zeros(inh.shape[:-1])
            continue
        lw = np.array([w for _, w in members])
        vals = np.stack([inh[..., idx[c]] for c, _ in members], axis=-1)
        per[cls] = (vals * lw).sum(axis=-1) / lw.sum()
        total = total + weights[cls] * per[cls]
        wsum += weights[cls]
    return per, (total / wsum if wsum else np.zeros(inh.shape[:-1]))


LABEL_NOT_CURATED = "label safety not curated: its label burden 0 means unknown, not safe"
"""Flag of a drug without any ``label_safety.csv`` row (no label section read yet)."""


@functools.lru_cache(maxsize=64)
def label_burden(kb: KnowledgeBase, drug_id: str) -> tuple[float, tuple[str, ...]]:
    """The drug's label burden (0..1) and its label flags (boxed warnings, dose-limiting ...).

    Drug-level classes count once each at the highest section they appear in; each
    dose-limiting toxicity adds its points. The denominator is every drug-level class at
    boxed-warning grade plus one dose-limiting toxicity per pathway class.
    """
    sm = safety_model(kb)
    rows = sm.label[sm.label.drug_id == drug_id]
    points = 0.0
    flags: list[str] = []
    if not len(rows):
        flags.append(LABEL_NOT_CURATED)
    for cls in sm.drug_level_classes:
        g = rows[rows.safety_class == cls]
        if len(g):
            points += max(LABEL_KIND_POINTS.get(k, 1.0) for k in g.kind)
    dlt = rows[rows.kind == "dose_limiting_toxicity"]
    points += LABEL_KIND_POINTS["dose_limiting_toxicity"] * dlt.safety_class.nunique()
    most = LABEL_KIND_POINTS["boxed_warning"] * len(sm.drug_level_classes) + LABEL_KIND_POINTS[
        "dose_limiting_toxicity"
    ] * len(sm.pathway_classes)
    boxed = rows[rows.kind == "boxed_warning"]
    names = sm.classes.set_index("safety_class").name
    if len(boxed):
        flags.append(
            "boxed warning: "
            + ", ".join(sorted({names.get(c, c) for c in boxed.safety_class if c}))
        )
    if len(dlt):
        flags.append(
            "dose-limiting: " + ", ".join(sorted({names.get(c, c) for c in dlt.safety_class if c}))
        )
    for r in rows[rows.kind == "contraindication"].itertuples():
        flags.append(f"contraindication: {r.text}")
    return (points / most if most else 0.0), tuple(flags)


def label_facts(kb: KnowledgeBase, drug_id: str) -> pd.DataFrame:
    """The drug's label safety rows (kind, text, class, source, location)."""
    sm = safety_model(kb)
    return sm.label[sm.label.drug_id == drug_id].reset_index(drop=True)
