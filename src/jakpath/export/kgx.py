"""The knowledge base as a Biolink knowledge graph in KGX TSV and KGX JSON Lines.

Nodes: JAKs (``biolink:Gene``, ``HGNC:`` ids, ``UniProtKB:`` xrefs), cytokines and receptor
chains (``biolink:Protein``; ``HGNC.SYMBOL:`` ids where the knowledge base gives one HGNC
symbol, else ``jakpath:cytokine.<id>`` with the symbols as xrefs), receptor complexes
(``biolink:MacromolecularComplex``), diseases (``biolink:Disease``, ``MONDO:`` or ``EFO:``)
and drugs (``biolink:SmallMolecule``, ``CHEMBL.COMPOUND:`` or ``jakpath:drug.<id>``).

Edges (one per knowledge-base row, so nothing is merged away):

* drug ``biolink:affects`` JAK (activity decreased) per enzyme potency record, with
  ``potency_value`` / ``potency_unit`` (nM) / ``potency_measure`` / ``atp_uM``;
* receptor ``biolink:has_part`` chain, and receptor ``biolink:has_part`` JAK per chain-JAK row;
* cytokine ``biolink:directly_physically_interacts_with`` receptor (the cytokine signals
  through it; ``canonical`` marks the receptor potencies and scores use);
* cytokine ``biolink:contributes_to`` disease, with the rank-derived driver ``weight``;
* upstream JAK-dependent cytokine ``biolink:regulates`` (expression upregulated) a non-JAK
  cytokine, with the ``dependency_weight`` (a documented assumption unless sourced);
* drug ``biolink:has_metabolite`` active metabolite; drug ``biolink:treats`` disease per
  approval.

Every edge carries ``primary_knowledge_source`` (``infores:chembl``, ``infores:reactome``, ...
when all its sources are one database, else ``infores:jakpath``), ``knowledge_level``,
``agent_type`` and ``publications`` (``PMID:``/``doi:`` CURIEs of its source ids);
``jakpath_source_ids`` keeps the source ids themselves. Multivalued properties are ``|``
separated in TSV and arrays in JSON Lines; missing values are left out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jakpath.kb import KnowledgeBase, load_kb

JAKPATH_INFORES = "infores:jakpath"
"""Knowledge-source id of jakpath's curated knowledge base."""

DATABASE_INFORES: dict[str, str] = {
    "chembl": "infores:chembl",
    "reactome": "infores:reactome",
    "hgnc": "infores:hgnc",
    "uniprot": "infores:uniprot",
    "mondo": "infores:mondo",
}
"""Source-id prefix of a ``database`` source -> its Biolink information-resource id."""

HUMAN = "NCBITaxon:9606"
"""Taxon of every gene, protein and complex; stated in the manifest, not per node (KGX 2.6
reads ``in_taxon`` as multivalued but validates it as single-valued, so either form fails)."""

EXTRA_PREFIXES: dict[str, str] = {
    "jakpath": "urn:jakpath:",
    "HGNC.SYMBOL": "http://identifiers.org/hgnc.symbol/",
}
"""CURIE prefixes used here that the Biolink prefix map lacks (written to the manifest)."""

LIST_PROPERTIES = frozenset(
    {
        "category",
        "xref",
        "synonym",
        "provided_by",
        "publications",
        "aggregator_knowledge_source",
        "jakpath_source_ids",
    }
)
"""Multivalued properties (``|``-separated in TSV, arrays in JSON Lines)."""

PROPERTY_TYPES: dict[str, type] = {
    "potency_value": float,
    "atp_uM": float,
    "weight": float,
    "raw_weight": float,
    "dependency_weight": float,
    "dose_mg": float,
    "interval_h": float,
    "driver_rank": int,
    "year": int,
    "jak_signalling": bool,
    "canonical": bool,
    "seed_disease": bool,
}
"""Non-string scalar properties and their Python types (restored when reading TSV)."""

NODE_CORE = ("id", "category", "name")
EDGE_CORE = (
    "id",
    "subject",
    "predicate",
    "object",
    "category",
    "primary_knowledge_source",
    "aggregator_knowledge_source",
    "knowledge_level",
    "agent_type",
    "publications",
)


@dataclass
class Graph:
    """Nodes and edges as KGX records (dicts of Biolink and jakpath properties)."""

    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    data_version: str = ""

    def node_ids(self) -> set[str]:
        """Ids of all nodes."""
        return {n["id"] for n in self.nodes}


# --- helpers -------------------------------------------------------------------------------
def _split(value) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _clean(record: dict) -> dict:
    """Drop missing values (None, NaN, empty strings and lists)."""
    out = {}
    for k, v in record.items():
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, str | list | tuple) and len(v) == 0:
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def _num(value, kind: type = float):
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return kind(value)


class _Sources:
    """Publications and knowledge sources of ``;``-separated source ids."""

    def __init__(self, kb: KnowledgeBase):
        self.table = kb.sources.set_index("source_id")

    def publications(self, source_ids) -> list[str]:
        out: list[str] = []
        for sid in _split(source_ids):
            if sid not in self.table.index:
                continue
            row = self.table.loc[sid]
            if row.pmid:
                out.append(f"PMID:{row.pmid}")
            if row.doi:
                out.append(f"doi:{row.doi}")
        return list(dict.fromkeys(out))

    def infores(self, source_id: str) -> str:
        if source_id in self.table.index and self.table.loc[source_id, "kind"] == "database":
            for prefix, infores in DATABASE_INFORES.items():
                if source_id.lower().startswith(prefix):
                    return infores
        return JAKPATH_INFORES

    def provenance(self, source_ids, quality: str = "") -> dict:
        ids = _split(source_ids)
        kinds = {self.infores(s) for s in ids}
        primary = kinds.pop() if len(kinds) == 1 else JAKPATH_INFORES
        return {
            "primary_knowledge_source": primary,
            "aggregator_knowledge_source": [JAKPATH_INFORES] if primary != JAKPATH_INFORES else [],
            "knowledge_level": "prediction" if quality == "assumption" else "knowledge_assertion",
            "agent_type": "manual_agent",
            "publications": self.publications(source_ids),
            "jakpath_source_ids": ids,
        }


# --- node ids ------------------------------------------------------------------------------
def _cytokine_ids(kb: KnowledgeBase) -> dict[str, str]:
    symbols = {r.cytokine_id: _split(r.hgnc_symbols) for r in kb.cytokines.itertuples()}
    single = [s[0] for s in symbols.values() if len(s) == 1]
    out = {}
    for cid, syms in symbols.items():
        if len(syms) == 1 and single.count(syms[0]) == 1:
            out[cid] = f"HGNC.SYMBOL:{syms[0]}"
        else:
            out[cid] = f"jakpath:cytokine.{cid}"
    return out


def _disease_ids(kb: KnowledgeBase) -> dict[str, str]:
    """MONDO id if no other disease shares it, else EFO id if unshared, else a jakpath id."""
    d = kb.diseases
    mondo_counts = d.mondo_id[d.mondo_id != ""].value_counts()
    efo_counts = d.efo_id[d.efo_id != ""].value_counts()
    out = {}
    for r in d.itertuples():
        if r.mondo_id and mondo_counts[r.mondo_id] == 1:
            out[r.disease_id] = r.mondo_id
        elif r.efo_id and efo_counts[r.efo_id] == 1:
            out[r.disease_id] = r.efo_id
        else:
            out[r.disease_id] = f"jakpath:disease.{r.disease_id}"
    return out


def _drug_ids(kb: KnowledgeBase) -> dict[str, str]:
    counts = kb.drugs.chembl_id[kb.drugs.chembl_id != ""].value_counts()
    return {
        r.drug_id: (
            f"CHEMBL.COMPOUND:{r.chembl_id}"
            if r.chembl_id and counts[r.chembl_id] == 1
            else f"jakpath:drug.{r.drug_id}"
        )
        for r in kb.drugs.itertuples()
    }


def _receptor_id(receptor_id: str) -> str:
    return f"jakpath:receptor.{receptor_id}"


def _chain_id(chain: str) -> str:
    return f"HGNC.SYMBOL:{chain}"


# --- graph ---------------------------------------------------------------------------------
def build_graph(kb: KnowledgeBase | None = None) -> Graph:
    """The knowledge base as Biolink nodes and edges (see the module docstring)."""
    kb = kb or load_kb()
    src = _Sources(kb)
    jak_ids = {r.jak_id: r.hgnc_id for r in kb.jaks.itertuples()}
    cyt_ids = _cytokine_ids(kb)
    dis_ids = _disease_ids(kb)
    drug_ids = _drug_ids(kb)
    nodes: list[dict] = []
    edges: list[dict] = []

    for r in kb.jaks.itertuples():
        nodes.append(
            {
                "id": r.hgnc_id,
                "category": ["biolink:Gene"],
                "name": r.name,
                "symbol": r.gene_symbol,
                "xref": [f"UniProtKB:{r.uniprot_id}"] if r.uniprot_id else [],
                "provided_by": [JAKPATH_INFORES],
                "jakpath_id": r.jak_id,
                "jakpath_source_ids": _split(r.source_ids),
            }
        )
    for r in kb.cytokines.itertuples():
        syms = _split(r.hgnc_symbols)
        nid = cyt_ids[r.cytokine_id]
        nodes.append(
            {
                "id": nid,
                "category": ["biolink:Protein"],
                "name": r.name,
                "synonym": _split(r.synonyms),
                "xref": []
                if nid.startswith("HGNC.SYMBOL:")
                else [f"HGNC.SYMBOL:{s}" for s in syms],
                "description": r.role,
                "provided_by": [JAKPATH_INFORES],
                "jakpath_id": r.cytokine_id,
                "family": r.family,
                "jak_signalling": r.jak_signalling == "yes",
                "safety_class": r.safety_class,
                "stats": r.stats,
                "jakpath_source_ids": _split(r.source_ids),
            }
        )
    for chain in sorted(set(kb.receptor_chains.chain)):
        nodes.append(
            {
                "id": _chain_id(chain),
                "category": ["biolink:Protein"],
                "name": chain,
                "provided_by": [JAKPATH_INFORES],
                "jakpath_id": chain,
            }
        )
    for r in kb.receptors.itertuples():
        nodes.append(
            {
                "id": _receptor_id(r.receptor_id),
                "category": ["biolink:MacromolecularComplex"],
                "name": r.name,
                "provided_by": [JAKPATH_INFORES],
                "jakpath_id": r.receptor_id,
                "cell_context": r.cell_context,
                "stats": r.stats,
                "jakpath_source_ids": _split(r.source_ids),
            }
        )
    for r in kb.diseases.itertuples():
        nid = dis_ids[r.disease_id]
        nodes.append(
            {
                "id": nid,
                "category": ["biolink:Disease"],
                "name": r.name,
                "synonym": _split(r.synonyms),
                "xref": [x for x in (r.mondo_id, r.efo_id) if x and x != nid],
                "provided_by": [JAKPATH_INFORES],
                "jakpath_id": r.disease_id,
                "disease_category": r.category,
                "seed_disease": r.seed_disease == "yes",
                "jakpath_source_ids": _split(r.source_ids),
            }
        )
    for r in kb.drugs.itertuples():
        nodes.append(
            {
                "id": drug_ids[r.drug_id],
                "category": ["biolink:SmallMolecule"],
                "name": r.name,
                "synonym": _split(r.synonyms),
                "provided_by": [JAKPATH_INFORES],
                "jakpath_id": r.drug_id,
                "mechanism": r.mechanism,
                "selectivity": r.selectivity,
                "status": r.status,
                "route": r.route,
                "jakpath_source_ids": _split(r.source_ids),
            }
        )

    # drug -affects-> JAK (activity decreased), one edge per enzyme potency record
    for r in kb.enzyme_potency.itertuples():
        target = r.target.split("_")[0]
        edges.append(
            {
                "id": f"jakpath:potency.{r.record_id}",
                "subject": drug_ids[r.drug_id],
                "predicate": "biolink:affects",
                "object": jak_ids[target],
                "category": ["biolink:ChemicalAffectsGeneAssociation"],
                "object_aspect_qualifier": "activity",
                "object_direction_qualifier": "decreased",
                "qualified_predicate": "biolink:causes",
                **src.provenance(r.source_ids, r.quality),
                "potency_measure": r.measure,
                "potency_relation": r.relation,
                "potency_value": _num(r.value_nM),
                "potency_unit": "nM",
                "atp_uM": _num(r.atp_uM),
                "atp_note": r.atp_note,
                "target_domain": "JH2 pseudokinase" if r.target.endswith("_JH2") else "",
                "construct": r.construct,
                "assay_set": r.assay_set,
                "chembl_assay_id": r.chembl_assay_id,
                "location": r.location,
                "quality": r.quality,
                "note": r.note,
            }
        )
    # receptor -has_part-> chain (one per receptor and chain) and -> JAK (one per row)
    seen = set()
    for r in kb.receptor_chains.itertuples():
        rid = _receptor_id(r.receptor_id)
        if (r.receptor_id, r.chain) not in seen:
            seen.add((r.receptor_id, r.chain))
            rows = kb.receptor_chains[
                (kb.receptor_chains.receptor_id == r.receptor_id)
                & (kb.receptor_chains.chain == r.chain)
            ]
            ids = ";".join(dict.fromkeys(s for x in rows.source_ids for s in _split(x)))
            edges.append(
                {
                    "id": f"jakpath:has_part.{r.receptor_id}.{r.chain}",
                    "subject": rid,
                    "predicate": "biolink:has_part",
                    "object": _chain_id(r.chain),
                    "category": ["biolink:Association"],
                    **src.provenance(ids),
                }
            )
        edges.append(
            {
                "id": f"jakpath:has_part.{r.receptor_id}.{r.chain}.{r.jak_id}",
                "subject": rid,
                "predicate": "biolink:has_part",
                "object": jak_ids[r.jak_id],
                "category": ["biolink:Association"],
                **src.provenance(r.source_ids),
                "chain": r.chain,
                "certainty": r.certainty,
                "location": r.location,
                "note": r.note,
            }
        )
    # cytokine signals through its receptor(s)
    for r in kb.receptors.itertuples():
        edges.append(
            {
                "id": f"jakpath:receptor_of.{r.cytokine_id}.{r.receptor_id}",
                "subject": cyt_ids[r.cytokine_id],
                "predicate": "biolink:directly_physically_interacts_with",
                "object": _receptor_id(r.receptor_id),
                "category": ["biolink:Association"],
                **src.provenance(r.source_ids),
                "canonical": r.canonical == "yes",
                "certainty": r.certainty,
                "location": r.location,
                "note": r.note,
            }
        )
    # cytokine -contributes_to-> disease with the rank-derived weight
    for did in dict.fromkeys(kb.disease_drivers.disease_id):
        for r in kb.driver_weights(did).itertuples():
            edges.append(
                {
                    "id": f"jakpath:driver.{did}.{r.cytokine_id}",
                    "subject": cyt_ids[r.cytokine_id],
                    "predicate": "biolink:contributes_to",
                    "object": dis_ids[did],
                    "category": ["biolink:GeneToDiseaseAssociation"],
                    **src.provenance(r.source_ids),
                    "driver_rank": _num(r.rank, int),
                    "certainty": r.certainty,
                    "weight": float(r.weight),
                    "raw_weight": float(r.raw_weight),
                    "evidence_note": r.evidence_note,
                    "location": r.location,
                    "note": r.note,
                }
            )
    # JAK-dependent upstream driver -regulates-> non-JAK cytokine
    for r in kb.upstream_drivers.itertuples():
        edges.append(
            {
                "id": f"jakpath:upstream.{r.cytokine_id}.{r.driver_cytokine_id}",
                "subject": cyt_ids[r.driver_cytokine_id],
                "predicate": "biolink:regulates",
                "object": cyt_ids[r.cytokine_id],
                "category": ["biolink:GeneRegulatesGeneAssociation"],
                "object_aspect_qualifier": "expression",
                "object_direction_qualifier": "upregulated",
                "qualified_predicate": "biolink:causes",
                **src.provenance(r.source_ids, r.quality),
                "dependency_weight": _num(r.dependency_weight),
                "location": r.location,
                "quality": r.quality,
                "note": r.note,
            }
        )
    # drug -has_metabolite-> active metabolite
    for r in kb.drugs[kb.drugs.parent_drug_id != ""].itertuples():
        edges.append(
            {
                "id": f"jakpath:metabolite.{r.parent_drug_id}.{r.drug_id}",
                "subject": drug_ids[r.parent_drug_id],
                "predicate": "biolink:has_metabolite",
                "object": drug_ids[r.drug_id],
                "category": ["biolink:Association"],
                **src.provenance(r.source_ids),
                "location": r.location,
            }
        )
    # drug -treats-> disease, one edge per approval row with a known disease
    for i, r in enumerate(kb.approvals.itertuples()):
        if not r.disease_id:
            continue
        edges.append(
            {
                "id": f"jakpath:approval.{i + 1}",
                "subject": drug_ids[r.drug_id],
                "predicate": "biolink:treats",
                "object": dis_ids[r.disease_id],
                "category": [
                    "biolink:ChemicalOrDrugOrTreatmentToDiseaseOrPhenotypicFeatureAssociation"
                ],
                **src.provenance(r.source_ids),
                "brand": r.brand,
                "agency": r.agency,
                "indication": r.indication,
                "year": _num(r.year, int),
                "dose_mg": _num(r.dose_mg),
                "interval_h": _num(r.interval_h),
                "formulation": r.formulation,
                "regimen_text": r.regimen_text,
                "location": r.location,
                "note": r.note,
            }
        )
    return Graph([_clean(n) for n in nodes], [_clean(e) for e in edges], kb.version)


# --- writing and reading -------------------------------------------------------------------
def _columns(records: Iterable[dict], core: tuple[str, ...]) -> list[str]:
    keys = {k for r in records for k in r}
    return [c for c in core if c in keys] + sorted(keys - set(core))


def _tsv_cell(value) -> str:
    if isinstance(value, list):
        return "|".join(_tsv_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _write_tsv(records: list[dict], path: Path, core: tuple[str, ...]) -> None:
    columns = _columns(records, core)
    with path.open("w", newline="\n", encoding="utf-8") as fh:
        fh.write("\t".join(columns) + "\n")
        for r in records:
            fh.write("\t".join(_tsv_cell(r[c]) if c in r else "" for c in columns) + "\n")


def _write_jsonl(records: list[dict], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n")


def write_kgx(directory: str | Path, kb: KnowledgeBase | None = None) -> dict:
    """Write ``nodes.tsv``, ``edges.tsv``, ``nodes.jsonl``, ``edges.jsonl`` and a manifest.

    Args:
        directory: output directory (created if needed).
        kb: knowledge base (default: the shipped one).

    Returns:
        The manifest (also written as ``manifest.json``), with the data version.
    """
    from jakpath.export.manifest import WrittenFile, write_manifest

    kb = kb or load_kb()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    graph = build_graph(kb)
    _write_tsv(graph.nodes, out / "nodes.tsv", NODE_CORE)
    _write_tsv(graph.edges, out / "edges.tsv", EDGE_CORE)
    _write_jsonl(graph.nodes, out / "nodes.jsonl")
    _write_jsonl(graph.edges, out / "edges.jsonl")
    files = [
        WrittenFile("nodes.tsv", "nodes", len(graph.nodes), "kgx-tsv"),
        WrittenFile("edges.tsv", "edges", len(graph.edges), "kgx-tsv"),
        WrittenFile("nodes.jsonl", "nodes", len(graph.nodes), "kgx-jsonl"),
        WrittenFile("edges.jsonl", "edges", len(graph.edges), "kgx-jsonl"),
    ]
    return write_manifest(
        out,
        kb,
        files,
        kind="kgx",
        parameters={
            "graph_name": "jakpath knowledge graph",
            "biolink_model": "4.x",
            "taxon": HUMAN,
            "extra_prefixes": EXTRA_PREFIXES,
        },
    )


def _parse_cell(column: str, text: str):
    if column in LIST_PROPERTIES:
        return [_parse_scalar(column, t) for t in text.split("|")]
    return _parse_scalar(column, text)


def _parse_scalar(column: str, text: str):
    kind = PROPERTY_TYPES.get(column)
    if kind is bool:
        return text.lower() == "true"
    if kind is not None:
        return kind(text)
    return text


def read_kgx(directory: str | Path, fmt: str = "tsv") -> Graph:
    """Load a graph written by :func:`write_kgx` (``fmt`` ``tsv`` or ``jsonl``)."""
    directory = Path(directory)
    graph = Graph()
    manifest = directory / "manifest.json"
    if manifest.exists():
        graph.data_version = json.loads(manifest.read_text())["data_version"]
    for name, target in (("nodes", graph.nodes), ("edges", graph.edges)):
        if fmt == "jsonl":
            with (directory / f"{name}.jsonl").open(encoding="utf-8") as fh:
                target.extend(json.loads(line) for line in fh if line.strip())
        elif fmt == "tsv":
            with (directory / f"{name}.tsv").open(newline="\n", encoding="utf-8") as fh:
                header = fh.readline().rstrip("\n").split("\t")
                for line in fh:
                    cells = line.rstrip("\n").split("\t")
                    target.append(
                        {c: _parse_cell(c, v) for c, v in zip(header, cells, strict=True) if v}
                    )
        else:
            raise ValueError(f"fmt must be 'tsv' or 'jsonl', got {fmt!r}")
    return graph


def graph_frames(graph: Graph) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges as DataFrames (lists kept as Python lists)."""
    return pd.DataFrame(graph.nodes), pd.DataFrame(graph.edges)
