"""Candidate regimens for a disease ranking: label doses by use, with what they are approved for.

By default a drug is ranked at the doses its labels approve for chronic use of any indication
(``approvals.csv`` ``use == "chronic"``, oral). Induction, loading, acute-illness and
myeloproliferative-neoplasm doses are left out and, when asked for (``include`` with the use
name, e.g. ``"induction"``, ``"mpn"``, or ``"all"``), come back flagged. Topical regimens are
never ranked on plasma exposure. Any other dose is an explicit extra candidate
(``"DRUG REGIMEN"``), flagged off-label where no label approves it.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import pandas as pd

from jakpath.exposure.model import MissingDataError, pk_model, resolve_formulations
from jakpath.exposure.regimen import Regimen, parse_regimen
from jakpath.kb import KnowledgeBase

logger = logging.getLogger(__name__)

DEFAULT_USES = ("chronic",)
"""Uses ranked by default (RULES.md section 3)."""

FLAGGED_USES = ("induction", "loading", "mpn", "acute")
"""Label uses left out by default; ``include`` brings them back, flagged."""

USE_FLAGS = {
    "induction": "induction dose (limited duration, not for maintenance)",
    "loading": "loading dose",
    "mpn": "myeloproliferative-neoplasm dose",
    "acute": "short course for an acute illness",
}


@dataclass
class Candidate:
    """A drug at one regimen, with what the labels approve it for."""

    drug_id: str
    regimen: Regimen
    uses: set[str] = field(default_factory=set)
    approved_for: list[str] = field(default_factory=list)
    approved_for_disease: bool = False
    user: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        """Identity: drug, dose, interval and formulation (not the regimen's text)."""
        r = self.regimen
        return (self.drug_id, round(r.dose_mg, 9), round(r.interval_h, 9), r.formulation)


def _label_rows(kb: KnowledgeBase) -> pd.DataFrame:
    a = kb.approvals
    return a[a.dose_mg.notna() & a.interval_h.notna() & (a.route != "topical")]


def _has_pk(kb: KnowledgeBase, drug_id: str, formulation: str) -> bool:
    try:
        pk_model(drug_id, formulation, kb)
    except MissingDataError as exc:
        logger.debug("%s %s has no PK model: %s", drug_id, formulation, exc)
        return False
    return True


@functools.lru_cache(maxsize=4)
def _label_regimens(kb: KnowledgeBase) -> dict[tuple, tuple]:
    """Per label regimen key: (Regimen, uses, where approved, disease ids, has a PK model)."""
    out: dict[tuple, list] = {}
    for r in _label_rows(kb).itertuples():
        reg = Regimen(float(r.dose_mg), float(r.interval_h), r.formulation or "IR")
        key = (r.drug_id, round(reg.dose_mg, 9), round(reg.interval_h, 9), reg.formulation)
        entry = out.setdefault(key, [reg, set(), [], set()])
        entry[1].add(r.use)
        where = _where(r)
        if where not in entry[2]:
            entry[2].append(where)
        if isinstance(r.disease_id, str):
            entry[3].add(r.disease_id)
    return {
        k: (v[0], frozenset(v[1]), tuple(v[2]), frozenset(v[3]), _has_pk(kb, k[0], k[3]))
        for k, v in out.items()
    }


DERIVED_APPROVAL_PREFIX = "DERIVED"
"""An approvals.csv note that starts with this marks an approval inferred from secondary records
(the label itself not read); SCHEMA.md."""
DERIVED_APPROVAL_FLAG = (
    "approval for this disease derived from secondary records (label not read): verify"
)


def is_label_regimen(kb: KnowledgeBase, drug_id: str, regimen: Regimen) -> bool:
    """Whether ``regimen`` is a dose some label approves for ``drug_id``.

    Any indication or use counts (induction included); topical products do not.
    """
    key = (drug_id, round(regimen.dose_mg, 9), round(regimen.interval_h, 9), regimen.formulation)
    return key in _label_regimens(kb)


def _where(r) -> str:
    disease = r.disease_id if isinstance(r.disease_id, str) and r.disease_id else r.indication
    return f"{disease} ({r.agency})"


def candidates(
    kb: KnowledgeBase, disease_id: str, include: list | tuple | None = None
) -> tuple[list[Candidate], list[str]]:
    """The candidates for a disease and notes on what was left out and why.

    Args:
        include: extra candidates: use names (``"induction"``, ``"loading"``, ``"mpn"``,
            ``"acute"``, ``"all"``) and ``(drug, regimen)`` pairs.
    """
    include = list(include or [])
    uses = set(DEFAULT_USES)
    extra: list[tuple[str, str]] = []
    for item in include:
        if isinstance(item, str):
            word = item.strip().lower()
            if word == "all":
                uses |= set(FLAGGED_USES)
            elif word in FLAGGED_USES:
                uses.add(word)
            else:
                known = ", ".join((*FLAGGED_USES, "all"))
                raise ValueError(
                    f"unknown candidate group {item!r}; use one of {known}, "
                    "or a (drug, regimen) pair"
                )
        else:
            extra.append(item)
    by_key: dict[tuple, Candidate] = {}
    for key, (reg, label_uses, where, diseases, _) in _label_regimens(kb).items():
        by_key[key] = Candidate(
            key[0],
            reg,
            uses=set(label_uses),
            approved_for=list(where),
            approved_for_disease=disease_id in diseases,
        )
    # a drug approved for the disease with no dose stored anywhere (no agency's row for this
    # disease gives one): its chronic doses count as approved; where another agency's row
    # gives the dose, that dose is the approved one
    here = kb.approvals[(kb.approvals.disease_id == disease_id) & (kb.approvals.route != "topical")]
    dosed = set(here[here.dose_mg.notna()].drug_id)
    undosed = here[here.dose_mg.isna() & ~here.drug_id.isin(dosed)]
    derived = set(here[here.note.fillna("").str.startswith(DERIVED_APPROVAL_PREFIX)].drug_id)
    notes = []
    out: list[Candidate] = []
    for c in by_key.values():
        if c.drug_id in set(undosed.drug_id) and "chronic" in c.uses:
            c.approved_for_disease = True
        if c.approved_for_disease and c.drug_id in derived:
            c.flags.append(DERIVED_APPROVAL_FLAG)
        chosen = c.uses & uses
        if not chosen:
            continue
        if not _label_regimens(kb)[c.key][4]:
            notes.append(f"{c.drug_id} {c.regimen.label()}: no PK model, not ranked")
            continue
        for u in sorted(c.uses - set(DEFAULT_USES)):
            if u in USE_FLAGS and "chronic" not in c.uses:
                c.flags.append(USE_FLAGS[u])
        out.append(c)
    left = sorted({u for c in by_key.values() for u in c.uses} - uses - {"topical"})
    if left:
        notes.append("left out by default: " + ", ".join(left) + " doses (add with --include USE)")
    topical = kb.approvals[
        (kb.approvals.disease_id == disease_id) & (kb.approvals.route == "topical")
    ]
    for r in topical.itertuples():
        notes.append(
            f"{r.drug_id} {r.regimen_text or 'topical'} is approved for this disease "
            f"({r.agency}) as a topical product: not ranked on plasma exposure"
        )
    for drug, regimen in extra:
        drug_id = kb.drug_names.resolve(drug)
        reg = parse_regimen(regimen) if isinstance(regimen, str) else regimen
        (reg,), _ = resolve_formulations(drug_id, [reg.with_doses(None)], kb)
        pk_model(drug_id, reg.formulation, kb)  # a clear error if PK data are missing
        key = (drug_id, round(reg.dose_mg, 9), round(reg.interval_h, 9), reg.formulation)
        if any(c.key == key for c in out):
            continue
        c = by_key.get(key) or Candidate(drug_id, reg)
        c.user = True
        if not c.uses:
            c.flags.append("off-label dose: no label approves this regimen")
        else:
            for u in sorted(c.uses - set(DEFAULT_USES)):
                if u in USE_FLAGS:
                    c.flags.append(USE_FLAGS[u])
        out.append(c)
    out.sort(key=lambda c: (c.drug_id, c.regimen.formulation, c.regimen.daily_dose_mg))
    return out, notes
