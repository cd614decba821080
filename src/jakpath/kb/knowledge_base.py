"""The knowledge base object: validated tables, typed records and name resolution."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from jakpath.kb.load import RawTable, data_version, default_data_dir, read_tables
from jakpath.kb.names import NameIndex
from jakpath.kb.tables import TABLES
from jakpath.kb.validate import Problem, errors, validate
from jakpath.kb.weights import raw_weight

logger = logging.getLogger(__name__)


class KnowledgeBaseError(ValueError):
    """The knowledge-base files do not validate."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"knowledge base has {len(problems)} error(s):\n{shown}{more}")


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip()) if value else ()


@dataclass(frozen=True)
class Drug:
    """A JAK inhibitor (or an active metabolite) with its identifiers and mechanism."""

    drug_id: str
    name: str
    synonyms: tuple[str, ...]
    chembl_id: str
    mechanism: str
    selectivity: str
    status: str
    route: str
    parent_drug_id: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Cytokine:
    """A cytokine or hormone; JAK-signalling ones carry their canonical receptor's JAKs."""

    cytokine_id: str
    name: str
    family: str
    jak_signalling: bool
    safety_class: str
    role: str
    stats: str
    jaks: tuple[str, ...]  # JAKs of the canonical receptor (established and uncertain)
    uncertain_jaks: tuple[str, ...]
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Disease:
    """A disease with its identifiers."""

    disease_id: str
    name: str
    synonyms: tuple[str, ...]
    mondo_id: str
    efo_id: str
    category: str
    seed_disease: bool


def _frame(raw: RawTable) -> pd.DataFrame:
    columns = raw.table.column_names
    df = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in raw.rows], columns=columns)
    for col in raw.table.columns:
        if col.kind in ("float", "int"):
            df[col.name] = pd.to_numeric(df[col.name].replace("", np.nan), errors="coerce")
    df.attrs["files"] = raw.files
    return df


class KnowledgeBase:
    """All knowledge-base tables as pandas DataFrames, with typed records and lookups.

    Tables are attributes by name (``kb.drugs``, ``kb.cellular_potency``, ...); every row keeps
    its ``source_ids`` and ``location`` columns, and ``kb.sources`` resolves them.
    """

    # one attribute per table of jakpath.kb.tables.TABLES (set in __init__; declared for
    # type checkers; tests/test_structure.py checks the two lists agree)
    sources: pd.DataFrame
    jaks: pd.DataFrame
    atp_km: pd.DataFrame
    cytokines: pd.DataFrame
    receptors: pd.DataFrame
    receptor_chains: pd.DataFrame
    upstream_drivers: pd.DataFrame
    readouts: pd.DataFrame
    diseases: pd.DataFrame
    disease_drivers: pd.DataFrame
    drugs: pd.DataFrame
    drug_properties: pd.DataFrame
    enzyme_potency: pd.DataFrame
    cellular_potency: pd.DataFrame
    potency_curation: pd.DataFrame
    pk_models: pd.DataFrame
    pk_parameters: pd.DataFrame
    pk_observations: pd.DataFrame
    approvals: pd.DataFrame
    boxed_warnings: pd.DataFrame
    safety_classes: pd.DataFrame
    safety_class_pathways: pd.DataFrame
    label_safety: pd.DataFrame
    trial_outcomes: pd.DataFrame
    cases: pd.DataFrame
    interacting_drugs: pd.DataFrame
    pk_interaction_classes: pd.DataFrame
    pk_covariates: pd.DataFrame
    pk_auc_ratios: pd.DataFrame
    pk_dose_recommendations: pd.DataFrame

    def __init__(
        self, tables: dict[str, pd.DataFrame], version: str, data_dir: Path, problems: list[Problem]
    ):
        self.tables = tables
        self.version = version
        self.data_dir = data_dir
        self.problems = problems
        for name, df in tables.items():
            setattr(self, name, df)
        self.drug_names = NameIndex(
            "drug", ((r.drug_id, r.name, _split(r.synonyms)) for r in self.drugs.itertuples())
        )
        self.cytokine_names = NameIndex(
            "cytokine",
            ((r.cytokine_id, r.name, _split(r.synonyms)) for r in self.cytokines.itertuples()),
        )
        self.disease_names = NameIndex(
            "disease",
            ((r.disease_id, r.name, _split(r.synonyms)) for r in self.diseases.itertuples()),
        )

    def __repr__(self) -> str:
        """A one-line summary: data version, main record counts and validation state.

        >>> kb = load_kb()
        >>> repr(kb).startswith(f"<KnowledgeBase {kb.version}: {len(kb.drugs)} drugs")
        True
        """
        n_err = sum(p.severity == "error" for p in self.problems)
        rows = sum(len(df) for df in self.tables.values())
        return (
            f"<KnowledgeBase {self.version}: {len(self.drugs)} drugs, {len(self.cytokines)} "
            f"cytokines, {len(self.diseases)} diseases, {len(self.sources)} sources; "
            f"{rows} rows in {len(self.tables)} tables; {n_err} errors, "
            f"{len(self.problems) - n_err} warnings; from {self.data_dir}>"
        )

    def cytokine_display_names(self) -> dict[str, str]:
        """Cytokine id -> display name (``IL2`` -> ``Interleukin-2``)."""
        return dict(zip(self.cytokines.cytokine_id, self.cytokines.name, strict=True))

    # -- typed records -------------------------------------------------------------------
    def drug(self, name: str) -> Drug:
        """The drug record for a name, brand, code or synonym."""
        drug_id = self.drug_names.resolve(name)
        r = self.drugs.set_index("drug_id").loc[drug_id]
        return Drug(
            drug_id,
            r["name"],
            _split(r.synonyms),
            r.chembl_id,
            r.mechanism,
            r.selectivity,
            r.status,
            r.route,
            r.parent_drug_id,
            _split(r.source_ids),
        )

    def cytokine(self, name: str) -> Cytokine:
        """The cytokine record (with its canonical receptor's JAKs) for a name or synonym."""
        cid = self.cytokine_names.resolve(name)
        r = self.cytokines.set_index("cytokine_id").loc[cid]
        chains = self.canonical_chains()
        mine = chains[chains.cytokine_id == cid]
        jaks = tuple(dict.fromkeys(mine.jak_id))
        uncertain = tuple(dict.fromkeys(mine[mine.certainty == "uncertain"].jak_id))
        return Cytokine(
            cid,
            r["name"],
            r.family,
            r.jak_signalling == "yes",
            r.safety_class,
            r.role,
            r.stats,
            jaks,
            uncertain,
            _split(r.source_ids),
        )

    def disease(self, name: str) -> Disease:
        """The disease record for a name or synonym."""
        did = self.disease_names.resolve(name)
        r = self.diseases.set_index("disease_id").loc[did]
        return Disease(
            did,
            r["name"],
            _split(r.synonyms),
            r.mondo_id,
            r.efo_id,
            r.category,
            r.seed_disease == "yes",
        )

    # -- derived views -------------------------------------------------------------------
    @functools.cached_property
    def _canonical_chains(self) -> pd.DataFrame:
        rec = self.receptors[self.receptors.canonical == "yes"][["receptor_id", "cytokine_id"]]
        return rec.merge(self.receptor_chains, on="receptor_id")

    def canonical_chains(self) -> pd.DataFrame:
        """Chain -> JAK rows of each JAK-signalling cytokine's canonical receptor."""
        return self._canonical_chains

    def driver_weights(self, disease: str) -> pd.DataFrame:
        """The disease's drivers with their rank-derived weights (see ``kb.weights``)."""
        did = self.disease_names.resolve(disease)
        d = self.disease_drivers[self.disease_drivers.disease_id == did].copy()
        d["raw_weight"] = [raw_weight(r, c) for r, c in zip(d["rank"], d.certainty, strict=True)]
        total = d.raw_weight.sum()
        d["weight"] = d.raw_weight / total if total > 0 else 0.0
        return d.reset_index(drop=True)

    def chosen_property(self, drug_id: str, prop: str) -> float | None:
        """The chosen value of a drug property (None when the knowledge base has none)."""
        p = self.drug_properties
        hit = p[(p.drug_id == drug_id) & (p.property == prop) & (p.chosen == "yes")]
        return float(hit.value.iloc[0]) if len(hit) else None

    def cite(self, source_ids: str | tuple[str, ...]) -> str:
        """Short citations for ``;``-separated source ids."""
        ids = _split(source_ids) if isinstance(source_ids, str) else source_ids
        src = self.sources.set_index("source_id")
        out = []
        for sid in ids:
            if sid in src.index:
                row = src.loc[sid]
                ref = f"doi:{row.doi}" if row.doi else f"PMID:{row.pmid}" if row.pmid else row.url
                out.append(f"{row.citation}" + (f" ({ref})" if ref else ""))
            else:
                out.append(sid)
        return "; ".join(out)

    def stats(self) -> pd.DataFrame:
        """Rows per table and the share of values per quality tier."""
        rows = []
        for name, df in self.tables.items():
            row = {"table": name, "rows": len(df)}
            if "quality" in df.columns and len(df):
                for tier, n in df.quality.value_counts().items():
                    row[tier] = n
            rows.append(row)
        out = pd.DataFrame(rows).fillna(0)
        num_cols = [c for c in out.columns if c not in ("table",)]
        out[num_cols] = out[num_cols].astype(int)
        return out


@functools.lru_cache(maxsize=8)
def _load_cached(data_dir: str, strict: bool) -> KnowledgeBase:
    raw = read_tables(data_dir)
    problems = validate(raw=raw)
    if strict and errors(problems):
        raise KnowledgeBaseError(errors(problems))
    tables = {name: _frame(raw[name]) for name in TABLES}
    kb = KnowledgeBase(tables, data_version(data_dir), Path(data_dir), problems)
    logger.info("loaded %r", kb)
    for problem in problems:
        logger.debug("validation: %s", problem)
    return kb


def load_kb(data_dir: str | Path | None = None, *, strict: bool = True) -> KnowledgeBase:
    """Load and validate the knowledge base (the shipped one by default); cached per directory.

    Args:
        data_dir: a directory of knowledge-base CSV files; ``None`` for the shipped data.
        strict: raise :class:`KnowledgeBaseError` when validation finds errors.
    """
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    return _load_cached(str(path.resolve()), strict)
