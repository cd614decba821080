"""Record hygiene for potency data: which records may enter a human potency, and why not.

Every cellular and enzyme record of the knowledge base passes the same screen, and the audit
(:func:`potency_audit`, ``jakpath potency audit``) shows the outcome of each. In order:

1. **Species**: only human records enter human potencies; the others stay in the data,
   visible, with the reason.
2. **Curator decisions** (``data/potency_curation.csv``): a record a curator excluded stays
   out, with the written reason; a record a curator kept passes the consistency screen.
3. **Censored values** (``>``, ``<``): bounds, never point values; they are used as bounds
   only where no exact value exists (see :mod:`jakpath.inhibition.potency`).
4. **Duplicate depositions**: the same drug, pathway (or JAK and ATP) and value deposited under
   several ChEMBL assays count once; the whole-blood copy is kept.
5. **Siblings**: rows of one assay set that measure the same thing (same drug, pathway,
   readout and cell type; or same JAK and ATP) and differ more than ``SIBLING_FOLD`` contradict
   each other: all of them are flagged.
6. **Peers**: a record more than ``OUTLIER_FOLD`` from the median of the other comparable
   records (same drug, pathway and tier; at least ``MIN_COMPARABLE`` records in all) is flagged.

A flagged record is excluded unless a curator kept it with a written reason.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from jakpath.kb import KnowledgeBase

HUMAN = "human"

OUTLIER_FOLD = 10.0
"""A record this many fold or more from the median of its comparable peers is flagged (issue
rule: more than 10-fold from the median of at least three comparable records)."""

MIN_COMPARABLE = 3
"""Fewest comparable records (the record included) for the peer screen to apply."""

SIBLING_FOLD = 3.0
"""Rows of one assay set measuring the same thing should agree within 3-fold (replicate noise of
a pSTAT or enzyme IC50 within one protocol is well under 2-fold); beyond it they contradict
(ASSUMPTION: a written rule, not fitted)."""

TIER_OF_MATRIX = {
    "whole_blood": "measured_whole_blood",
    "pbmc": "measured_other",
    "primary_cells": "measured_other",
    "cell_line": "measured_other",
}


def is_ex_vivo(note: str) -> bool:
    """True for records of drug dosed to subjects, blood stimulated ex vivo."""
    return "ex vivo" in (note or "").lower()


def _curation(kb: KnowledgeBase, table: str) -> dict[str, tuple[str, str]]:
    cur = getattr(kb, "potency_curation", None)
    if cur is None or cur.empty:
        return {}
    cur = cur[cur.table == table]
    return {r.record_id: (r.decision, r.reason) for r in cur.itertuples()}


def _peer_flags(values: pd.Series, groups: pd.DataFrame) -> pd.Series:
    """Fold distance of each record from the median of its group's other records (NaN if few)."""
    out = np.full(len(values), np.nan)
    logv = np.log10(values.to_numpy(dtype=float))
    for pos in _group_positions(groups, MIN_COMPARABLE):
        v = logv[pos]
        # row k of `others` is the group without record k (leave-one-out medians in one call)
        others = np.broadcast_to(v, (len(v), len(v)))[~np.eye(len(v), dtype=bool)]
        others = others.reshape(len(v), len(v) - 1)
        out[pos] = 10 ** np.abs(v - np.median(others, axis=1))
    return pd.Series(out, index=values.index)


def _sibling_flags(values: pd.Series, groups: pd.DataFrame) -> pd.Series:
    """Largest fold difference between a record and its siblings in one assay set (NaN if none)."""
    out = np.full(len(values), np.nan)
    logv = np.log10(values.to_numpy(dtype=float))
    for pos in _group_positions(groups, 2):
        v = logv[pos]
        if len(np.unique(v)) < 2:
            continue
        out[pos] = 10 ** np.max(np.abs(v[:, None] - v[None, :]), axis=1)
    return pd.Series(out, index=values.index)


def _group_positions(groups: pd.DataFrame, min_size: int) -> list[np.ndarray]:
    """Row positions of each group of ``groups`` (by all its columns) with ``min_size`` rows."""
    if groups.empty:
        return []
    keys = list(groups.columns) if len(groups.columns) > 1 else groups.columns[0]
    return [
        np.asarray(pos)
        for pos in groups.reset_index(drop=True).groupby(keys).indices.values()
        if len(pos) >= min_size
    ]


def _fmt(values: pd.Series, spec: str) -> pd.Series:
    """Format each number of a Series with a format spec (e.g. ``.3g``)."""
    return pd.Series([format(v, spec) for v in values], index=values.index, dtype=object)


def _decide(
    df: pd.DataFrame, curated: dict[str, tuple[str, str]], base_mask: pd.Series
) -> pd.DataFrame:
    """Apply curator decisions and the sibling/peer flags to records still in play."""
    used, reason = df["used"].copy(), df["reason"].copy()
    decision = df.record_id.map(lambda r: curated.get(r, ("", ""))[0])
    why = df.record_id.map(lambda r: curated.get(r, ("", ""))[1])
    sib = base_mask & np.isfinite(df.sibling_fold) & (df.sibling_fold > SIBLING_FOLD)
    peer = base_mask & ~sib & np.isfinite(df.peer_fold) & (df.peer_fold > OUTLIER_FOLD)
    flag = pd.Series("", index=df.index, dtype=object)
    flag[sib] = (
        "contradicts its own assay set ("
        + _fmt(df.sibling_fold[sib], ".3g")
        + "-fold from a sibling measuring the same thing)"
    )
    flag[peer] = _fmt(df.peer_fold[peer], ".3g") + "-fold from the median of its comparable records"
    flagged = sib | peer
    kept = flagged & (decision == "keep")
    dropped = flagged & ~kept
    reason[kept] = "flagged (" + flag[kept] + ") but kept by a curator: " + why[kept]
    used[dropped] = False
    reason[dropped] = "excluded: " + flag[dropped]
    return df.assign(used=used, reason=reason)


def _screen_basics(df: pd.DataFrame, curated: dict[str, tuple[str, str]], human: pd.Series):
    """Species, curator exclusions and censored values (in that order of precedence)."""
    decision = df.record_id.map(lambda r: curated.get(r, ("", ""))[0])
    why = df.record_id.map(lambda r: curated.get(r, ("", ""))[1])
    nonhuman = ~human
    excluded = human & (decision == "exclude")
    censored = human & ~excluded & ~df.exact
    for mask, reason in (
        (nonhuman, "species " + df.species + ": only human records enter human potencies"),
        (excluded, "excluded by curator: " + why),
    ):
        df.loc[mask, "used"] = False
        df.loc[mask, "role"] = "none"
        df.loc[mask, "reason"] = reason[mask]
    df.loc[censored, "reason"] = (
        "censored ("
        + df.relation[censored]
        + " "
        + _fmt(df.value_nM[censored], "g")
        + " nM): a bound, not a value"
    )
    return censored


@functools.lru_cache(maxsize=4)
def screened_cellular(kb: KnowledgeBase) -> pd.DataFrame:
    """Every cellular and ex vivo record with ``tier``, ``role`` (point|bound|none) and reason.

    ``used`` is True for records that may enter a human potency as a point value (role
    ``point``) or as a bound (role ``bound``); which of them a potency finally uses is decided
    by tier in :mod:`jakpath.inhibition.potency` and shown by the audit.
    """
    c = kb.cellular_potency.copy()
    curated = _curation(kb, "cellular_potency")
    c["species"] = c.species.replace("", "not stated")
    ex = c.note.map(is_ex_vivo).astype(bool)
    c["tier"] = np.where(ex, "ex_vivo", c.matrix.map(TIER_OF_MATRIX))
    c["exact"] = c.relation.isin(["=", "", "~"])
    c["role"] = np.where(c.exact, "point", "bound")
    c["used"] = True
    c["reason"] = ""
    _screen_basics(c, curated, c.species == HUMAN)
    # duplicate depositions of one measurement: keep the whole-blood copy, then the first id
    live = c[c.used & c.exact].copy()
    live["_order"] = live.matrix.map({"whole_blood": 0, "pbmc": 1, "primary_cells": 2}).fillna(3)
    live = live.sort_values(["_order", "record_id"], kind="stable")
    dup = live.duplicated(["drug_id", "cytokine_id", "value_nM"], keep="first")
    first = live[~dup].set_index(["drug_id", "cytokine_id", "value_nM"]).record_id
    dup_idx = live.index[dup]
    keys = pd.MultiIndex.from_frame(live.loc[dup_idx, ["drug_id", "cytokine_id", "value_nM"]])
    c.loc[dup_idx, "used"] = False
    c.loc[dup_idx, "role"] = "none"
    c.loc[dup_idx, "reason"] = ["duplicate deposition of " + rid for rid in first.loc[keys]]
    play = c.used & c.exact
    c["sibling_fold"] = np.nan
    c["peer_fold"] = np.nan
    sib_groups = c.loc[play & c.assay_set.astype(bool), ["assay_set", "drug_id", "cytokine_id"]]
    sib_groups = sib_groups.assign(
        readout=c.loc[sib_groups.index, "readout"], cell=c.loc[sib_groups.index, "cell_type"]
    )
    c.loc[sib_groups.index, "sibling_fold"] = _sibling_flags(
        c.loc[sib_groups.index, "value_nM"], sib_groups
    )
    peers = c.loc[play, ["drug_id", "cytokine_id", "tier"]]
    c.loc[peers.index, "peer_fold"] = _peer_flags(c.loc[peers.index, "value_nM"], peers)
    c = _decide(c, curated, play)
    decision = c.record_id.map(lambda r: curated.get(r, ("", ""))[0])
    why = c.record_id.map(lambda r: curated.get(r, ("", ""))[1])
    kept = c.used & (decision == "keep") & (c.reason == "")
    c.loc[kept, "reason"] = "kept by a curator: " + why[kept]
    c.loc[~c.used, "role"] = "none"
    return c.reset_index(drop=True)


@functools.lru_cache(maxsize=4)
def screened_enzyme(kb: KnowledgeBase) -> pd.DataFrame:
    """Every enzyme record with ``used``, ``role`` and ``reason`` (same rules as cellular)."""
    e = kb.enzyme_potency.copy()
    curated = _curation(kb, "enzyme_potency")
    e["exact"] = e.relation.isin(["=", "", "~"]) & e.value_nM.notna()
    e["role"] = np.where(e.exact, "point", "bound")
    e["used"] = True
    e["reason"] = ""
    e["species"] = HUMAN  # recombinant human JAK domains (ChEMBL 'unknown origin' kept as human)
    censored = _screen_basics(e, curated, pd.Series(True, index=e.index))
    derived = e.used & ~censored & (e.quality == "derived")
    e.loc[derived, "reason"] = "derived median over mixed assays: used only when nothing else"
    # the same value for one drug, JAK, measure and ATP condition in several ChEMBL assays is
    # one literature value re-deposited (papers quote the originator's IC50s): count it once
    live = e[e.used & e.exact & (e.quality != "derived")]
    dkey = ["drug_id", "target", "measure", "value_nM"]
    keyed = live.assign(_atp=live.atp_uM.fillna(-1.0))
    dup = keyed.duplicated([*dkey, "_atp"], keep="first")
    first = keyed[~dup].set_index([*dkey, "_atp"]).record_id
    for i in keyed.index[dup]:
        r = keyed.loc[i]
        e.loc[i, ["used", "role", "reason"]] = [
            False,
            "none",
            "duplicate deposition of "
            f"{first.loc[(r.drug_id, r.target, r.measure, r.value_nM, r._atp)]}",
        ]
    play = e.used & e.exact & (e.quality != "derived")
    # IC50s of unknown ATP differ by design (assays run from ATP at Km to 1 mM), so the sibling
    # and peer screens compare only binding constants and IC50s with a stated ATP
    comparable = play & (e.measure.isin(["Kd", "Ki"]) | e.atp_uM.notna() | (e.target == "TYK2_JH2"))
    atp = e.atp_uM.fillna(-1.0)
    e["sibling_fold"] = np.nan
    e["peer_fold"] = np.nan
    sib = e.loc[comparable & e.assay_set.astype(bool), ["assay_set", "drug_id", "target"]]
    sib = sib.assign(atp=atp.loc[sib.index], measure=e.loc[sib.index, "measure"])
    e.loc[sib.index, "sibling_fold"] = _sibling_flags(e.loc[sib.index, "value_nM"], sib)
    # peers: same drug, JAK, measure and ATP condition (IC50s at different ATP differ by design)
    peers = e.loc[comparable, ["drug_id", "target", "measure"]].assign(atp=atp.loc[comparable])
    e.loc[peers.index, "peer_fold"] = _peer_flags(e.loc[peers.index, "value_nM"], peers)
    e = _decide(e, curated, comparable)
    e.loc[~e.used, "role"] = "none"
    return e.reset_index(drop=True)


def fold(a: float, b: float) -> float:
    """Fold difference between two positive numbers (>= 1)."""
    return 10 ** abs(math.log10(a / b))
