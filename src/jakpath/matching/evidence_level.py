"""Evidence axis of the ranking: per drug, the strongest evidence for the disease, with counts.

Read from the evidence registry (:func:`jakpath.evidence.evidence_summary_by_drug`: shipped and
user-added records) and the knowledge base's approvals. Only a systemic (oral) approval for the
disease makes a drug ``approved`` here: the ranking scores plasma exposure, and a cream's
approval (ruxolitinib 1.5% for vitiligo) says nothing about the tablet.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import pandas as pd

from jakpath.evidence.fingerprint import sqlite_path, store_fingerprint
from jakpath.evidence.levels import EVIDENCE_LEVELS, STUDY_LEVEL
from jakpath.evidence.shipped import shipped_cases
from jakpath.evidence.summary import summarise_records
from jakpath.extras import available
from jakpath.kb import KnowledgeBase
from jakpath.kb.cache import MISSING, lookup, put

if TYPE_CHECKING:
    from jakpath.evidence.store import EvidenceStore

StoreLike: TypeAlias = "EvidenceStore | str | None"
"""An open evidence store, a database URL, or None for the user's default store."""

__all__ = ["EVIDENCE_LEVELS", "STUDY_LEVEL", "cached_with_evidence", "evidence_summary"]

T = TypeVar("T")

CACHED_RESULTS_PER_KIND = 256
"""Disk-cache entries kept per kind of result (``rank``, ``explain``), newest first: one per
argument set (disease, regimens, patient, ...), about 10-20 kB each."""


SHIPPED_ONLY = "evidence: the shipped records only (no [db] extra)"
"""Key part of results computed without an evidence store (the shipped records)."""


def cached_with_evidence(
    kb: KnowledgeBase, kind: str, params: str, store: StoreLike, compute: Callable[[], T]
) -> T:
    """``compute()``, read from the disk cache (:mod:`jakpath.kb.cache`) when computed before.

    For results that depend on the knowledge base, the code and the evidence store. The key
    is the data and code versions, ``kind`` and ``params`` (every other argument, as text) and
    the store's content fingerprint (:func:`jakpath.evidence.fingerprint.store_fingerprint`):
    adding, changing or removing any record gives a new key. A hit needs neither SQLAlchemy nor
    the computation. A store without a fingerprint (PostgreSQL, in memory) is always computed.
    On a miss the store is opened first (migrated and seeded, as ``compute`` would), and the
    result is stored only if the store did not change while it was computed; the oldest
    entries of ``kind`` beyond :data:`CACHED_RESULTS_PER_KIND` are then removed. Without the
    ``[db]`` extra the default evidence is the shipped records: keyed by data and code only.
    """
    name = f"{kind}-{hashlib.sha256(params.encode()).hexdigest()[:20]}"
    keep = (f"{kind}-", CACHED_RESULTS_PER_KIND)
    if store is None and not available("sqlalchemy"):
        # without the [db] extra the evidence is the shipped records (part of the data)
        value = lookup(kb, name, extra=SHIPPED_ONLY)
        if value is MISSING:
            value = compute()
            put(kb, name, value, extra=SHIPPED_ONLY, keep=keep)
        return value
    fingerprint = store_fingerprint(store)
    if fingerprint is not None:
        value = lookup(kb, name, extra=fingerprint)
        if value is not MISSING:
            return value
    if sqlite_path(store) is None:
        return compute()
    from jakpath.evidence.store import resolve_store

    resolve_store(store)  # opens, migrates and seeds: the state compute() reads
    before = store_fingerprint(store)
    value = compute()
    if before is not None and store_fingerprint(store) == before:
        put(kb, name, value, extra=before, keep=keep)
    return value


def _cases(kb: KnowledgeBase, disease_id: str, store: StoreLike) -> pd.DataFrame:
    """The disease's records: from the store, or the shipped ones without the [db] extra."""
    if store is None and not available("sqlalchemy"):
        # no store can exist without SQLAlchemy, so the default store's content would be the
        # shipped records; an explicit store or URL still needs the extra (and says so)
        return shipped_cases(kb, kb.disease_names.resolve(disease_id))
    from jakpath.evidence.queries import list_cases

    return list_cases(disease=disease_id, store=store)


def evidence_summary(
    kb: KnowledgeBase, disease_id: str, store: StoreLike = None
) -> dict[str, dict]:
    """Per drug: ``evidence_level``, ``evidence_records``, ``evidence_patients``, detail.

    ``evidence_level`` is ``approved`` for a drug with a systemic approval for the disease (at
    any dose); ``record_level`` is the strongest design among its records alone (the ranking
    uses it for the drug's doses the label does not approve for this disease).

    Args:
        store: an open store or URL; default the user's store, seeded with the shipped records.
    """
    cases = _cases(kb, disease_id, store)
    if len(cases):
        routes = cases.route.fillna("").str.split(";")
        # a record given only for topical use says nothing about a tablet; a record without a
        # route (user additions) counts as systemic, as almost every JAK-inhibitor report is
        cases = cases[~routes.map(lambda r: bool(r) and set(r) == {"topical"})]
    by_drug = summarise_records(cases) if len(cases) else None
    ids = (
        {d: ";".join(cases[cases.drug_id == d].case_id) for d in set(cases.drug_id)}
        if len(cases)
        else {}
    )
    a = kb.approvals
    systemic = a[(a.disease_id == disease_id) & (a.route != "topical")]
    approved = {
        drug: ", ".join(
            sorted(
                {
                    f"{r.agency} {int(r.year)}" if r.year == r.year else r.agency
                    for r in g.itertuples()
                }
            )
        )
        for drug, g in systemic.groupby("drug_id")
    }
    out: dict[str, dict] = {
        d: {
            "evidence_level": "approved",
            "record_level": "mechanism only",
            "evidence_records": 0,
            "evidence_patients": 0,
            "evidence_detail": f"approved for this disease: {who}",
        }
        for d, who in approved.items()
    }
    for r in by_drug.itertuples() if by_drug is not None else []:
        best = r.best_design if isinstance(r.best_design, str) and r.best_design else None
        record_level = STUDY_LEVEL.get(best, "mechanism only") if best else "mechanism only"
        level = "approved" if r.drug_id in approved else record_level
        parts = []
        if r.drug_id in approved:
            parts.append(f"approved for this disease: {approved[r.drug_id]}")
        if r.records:
            resp = (
                f", {int(r.responders)}/{int(r.evaluable_patients)} evaluable responded"
                if r.evaluable_patients and not math.isnan(float(r.evaluable_patients))
                else ""
            )
            parts.append(
                f"{int(r.records)} record(s), {int(r.patients)} patient(s), strongest design "
                f"{best or 'n/a'}{resp} ({ids[r.drug_id]})"
            )
        out[r.drug_id] = {
            "evidence_level": level,
            "record_level": record_level,
            "evidence_records": int(r.records),
            "evidence_patients": int(r.patients),
            "evidence_detail": "; ".join(parts),
        }
    _add_trial_outcomes(kb, disease_id, out)
    return out


RANDOMISED = STUDY_LEVEL["randomised_trial"]

_PARENTHETICAL = re.compile(r"\s*\([^)]*\)")


def _trial_key(name: str) -> str:
    """A trial's name without parenthetical qualifiers.

    "SELECT-NEXT" and "SELECT-NEXT (inferred from population)", rows of one trial in
    trial_outcomes.csv, count as one trial.
    """
    return _PARENTHETICAL.sub("", str(name)).strip()


def _add_trial_outcomes(kb: KnowledgeBase, disease_id: str, out: dict[str, dict]) -> None:
    """Placebo-controlled trial arms of ``trial_outcomes.csv`` as randomised-trial evidence.

    A drug whose registry records hold no randomised trial for the disease, but which has
    placebo-controlled arms in the knowledge base's trial outcomes (the clinical-validation
    table), reads ``randomised trial``; its trials count as records and their active arms'
    sizes as patients (each arm once, whatever the number of endpoints stored for it). Drugs
    with a randomised-trial record keep their registry counts only, so no trial is counted
    twice (the two tables overlap for psoriasis).
    """
    t = kb.trial_outcomes
    t = t[t.disease_id == disease_id]
    for drug, g in t.groupby("drug_id"):
        entry = out.get(drug)
        if entry is not None and entry["record_level"] == RANDOMISED:
            continue
        g = g.assign(trial_key=g.trial.map(_trial_key))
        arms = g.groupby(["trial_key", "dose_mg", "interval_h"]).n_active.max()
        trials = sorted(set(g.trial_key))
        n_trials, n_patients = len(trials), int(arms.fillna(0).sum())
        detail = (
            f"{n_trials} placebo-controlled trial(s) in trial_outcomes.csv, {n_patients} "
            f"patient(s) in active arms ({'; '.join(trials)}; "
            f"{';'.join(sorted(set(g.outcome_id)))})"
        )
        if entry is None:
            out[drug] = {
                "evidence_level": RANDOMISED,
                "record_level": RANDOMISED,
                "evidence_records": n_trials,
                "evidence_patients": n_patients,
                "evidence_detail": detail,
            }
            continue
        if entry["evidence_level"] != "approved":
            entry["evidence_level"] = RANDOMISED
        entry["record_level"] = RANDOMISED
        entry["evidence_records"] += n_trials
        entry["evidence_patients"] += n_patients
        entry["evidence_detail"] = "; ".join(x for x in (entry["evidence_detail"], detail) if x)
