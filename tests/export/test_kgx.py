"""KGX export: Biolink 4 conformance (biolink-model package), round trip, and KB content."""

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from biolink_model.datamodel import pydanticmodel_v2 as bl

from jakpath.export.kgx import EXTRA_PREFIXES, build_graph, read_kgx
from jakpath.export.manifest import verify_manifest
from jakpath.kb.load import default_data_dir

BIOLINK_DIR = Path(next(iter(__import__("biolink_model").__path__)))
DATA = default_data_dir()
CURIE = re.compile(r"^[^ <()>:]*:[^/ :]+$")  # the CURIE rule of the kgx validator


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load((BIOLINK_DIR / "schema" / "biolink_model.yaml").read_text())


@pytest.fixture(scope="module")
def prefixes():
    pm = json.loads((BIOLINK_DIR / "prefixmaps" / "biolink_model_prefix_map.json").read_text())
    return set(pm) | set(EXTRA_PREFIXES)


@pytest.fixture(scope="module")
def graph(kb):
    return build_graph(kb)


def _csv(name):
    paths = sorted(DATA.glob(f"{name}*.csv")) if name == "sources" else [DATA / f"{name}.csv"]
    rows = []
    for p in paths:
        with p.open(newline="", encoding="utf-8") as fh:
            rows += [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(fh)]
    return rows


def _camel(name):
    return "".join(w[:1].upper() + w[1:] for w in name.split(" "))


def _ancestors(slots, name):
    out = []
    while name:
        out.append(name)
        name = slots[name].get("is_a")
    return out


def _split_record(record, cls):
    """Biolink slots of the pydantic class, and the other (jakpath) properties."""
    fields = cls.model_fields
    return (
        {k: v for k, v in record.items() if k in fields},
        {k: v for k, v in record.items() if k not in fields},
    )


def test_categories_predicates_and_slots_conform_to_biolink(graph, schema, prefixes):
    classes = {f"biolink:{_camel(c)}": c for c in schema["classes"]}
    slots = schema["slots"]
    biolink_slot_names = {s.replace(" ", "_") for s in slots}
    node_ids = set()
    for node in graph.nodes:
        assert CURIE.match(node["id"]), node["id"]
        assert node["id"].split(":")[0] in prefixes, node["id"]
        assert node["id"] not in node_ids, f"duplicate node {node['id']}"
        node_ids.add(node["id"])
        for cat in node["category"]:
            assert cat in classes and not schema["classes"][classes[cat]].get("mixin"), cat
        cls = getattr(bl, node["category"][0].split(":")[1])
        biolink_part, extra = _split_record(node, cls)
        cls(**biolink_part)  # raises on wrong types or enum values
        # jakpath's own properties must not shadow Biolink slots
        assert not (set(extra) & biolink_slot_names), set(extra) & biolink_slot_names
    edge_ids = set()
    for edge in graph.edges:
        assert edge["id"] not in edge_ids, f"duplicate edge {edge['id']}"
        edge_ids.add(edge["id"])
        assert edge["subject"] in node_ids and edge["object"] in node_ids, edge["id"]
        pred = edge["predicate"].split(":")[1].replace("_", " ")
        assert pred in slots and not slots[pred].get("deprecated"), pred
        assert "related to" in _ancestors(slots, pred), pred
        for cat in edge["category"]:
            assert cat in classes, cat
        cls = getattr(bl, edge["category"][0].split(":")[1])
        biolink_part, extra = _split_record(edge, cls)
        obj = cls(**biolink_part)  # required: id, subject, predicate, object, level, agent
        assert obj.knowledge_level in bl.KnowledgeLevelEnum.__members__.values()
        assert obj.agent_type in bl.AgentTypeEnum.__members__.values()
        assert not (set(extra) & biolink_slot_names), set(extra) & biolink_slot_names
        assert edge["primary_knowledge_source"].startswith("infores:")
        for pub in edge.get("publications", []):
            assert re.match(r"^(PMID:\d+|doi:10\.\S+)$", pub), pub


def test_multivalued_slots_are_lists(graph, schema):
    slots = schema["slots"]
    for record in graph.nodes + graph.edges:
        for key, value in record.items():
            slot = slots.get(key.replace("_", " "))
            if slot is None:
                continue
            assert isinstance(value, list) == bool(slot.get("multivalued")), (record["id"], key)


def test_round_trip_loses_nothing(kgx_dir, graph):
    for fmt in ("tsv", "jsonl"):
        back = read_kgx(kgx_dir, fmt)
        assert len(back.nodes) == len(graph.nodes) and len(back.edges) == len(graph.edges)
        assert back.nodes == graph.nodes, fmt
        assert back.edges == graph.edges, fmt
        assert back.data_version == graph.data_version


def test_files_are_kgx_tsv_and_jsonl(kgx_dir):
    with (kgx_dir / "edges.tsv").open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        widths = {len(line.rstrip("\n").split("\t")) for line in fh}
    assert header[:4] == ["id", "subject", "predicate", "object"]
    assert widths == {len(header)}
    for required in ("category", "knowledge_level", "agent_type", "primary_knowledge_source"):
        assert required in header
    first = json.loads((kgx_dir / "nodes.jsonl").read_text().splitlines()[0])
    assert isinstance(first["category"], list)


def test_manifest_shows_data_version_and_checksums(kgx_dir):
    manifest = json.loads((kgx_dir / "manifest.json").read_text())
    assert manifest["data_version"] == (DATA / "VERSION").read_text().strip()
    assert {f["name"] for f in manifest["files"]} == {
        "nodes.tsv",
        "edges.tsv",
        "nodes.jsonl",
        "edges.jsonl",
    }
    assert verify_manifest(kgx_dir) == []


def test_potency_edges_match_the_csv(graph):
    """Every 25th enzyme record, checked against the CSV files read independently."""
    drugs = {r["drug_id"]: r["chembl_id"] for r in _csv("drugs")}
    jaks = {r["jak_id"]: r["hgnc_id"] for r in _csv("jaks")}
    sources = {r["source_id"]: r for r in _csv("sources")}
    edges = {e["id"]: e for e in graph.edges}
    records = _csv("enzyme_potency")
    assert sum(e["id"].startswith("jakpath:potency.") for e in graph.edges) == len(records)
    for r in records[::25]:
        e = edges[f"jakpath:potency.{r['record_id']}"]
        assert e["subject"] == f"CHEMBL.COMPOUND:{drugs[r['drug_id']]}"
        assert e["object"] == jaks[r["target"].replace("_JH2", "")]
        assert e["predicate"] == "biolink:affects"
        assert e["object_aspect_qualifier"] == "activity"
        assert e["object_direction_qualifier"] == "decreased"
        assert e["potency_value"] == float(r["value_nM"]) and e["potency_unit"] == "nM"
        assert e["potency_measure"] == r["measure"]
        assert e.get("atp_uM") == (float(r["atp_uM"]) if r["atp_uM"] else None)
        ids = [s for s in r["source_ids"].split(";") if s]
        expected = []
        for s in ids:
            if sources[s]["pmid"]:
                expected.append(f"PMID:{sources[s]['pmid']}")
            if sources[s]["doi"]:
                expected.append(f"doi:{sources[s]['doi']}")
        assert e.get("publications", []) == list(dict.fromkeys(expected))
        assert e["jakpath_source_ids"] == ids
        only_chembl = all(s.startswith("chembl") and sources[s]["kind"] == "database" for s in ids)
        assert e["primary_knowledge_source"] == (
            "infores:chembl" if only_chembl else "infores:jakpath"
        )


def test_davis_record_cites_its_paper(graph):
    e = next(e for e in graph.edges if "davis2011" in e["jakpath_source_ids"])
    assert "PMID:22037378" in e["publications"] and "doi:10.1038/nbt.1990" in e["publications"]


def test_nodes_use_standard_identifiers(graph):
    by_id = {n["id"]: n for n in graph.nodes}
    jak1 = by_id["HGNC:6190"]
    assert jak1["category"] == ["biolink:Gene"] and "UniProtKB:P23458" in jak1["xref"]
    assert by_id["HGNC.SYMBOL:IL6"]["category"] == ["biolink:Protein"]
    il23 = by_id["jakpath:cytokine.IL23"]  # two HGNC symbols: a jakpath id with xrefs
    assert il23["xref"] == ["HGNC.SYMBOL:IL23A", "HGNC.SYMBOL:IL12B"]
    assert by_id["CHEMBL.COMPOUND:CHEMBL3622821"]["name"] == "Upadacitinib"
    assert by_id["jakpath:drug.gs829845"]["category"] == ["biolink:SmallMolecule"]
    assert by_id["MONDO:0004980"]["name"] == "Atopic dermatitis"
    assert "EFO:0000274" in by_id["MONDO:0004980"]["xref"]
    # a MONDO id two diseases share goes to neither: Crohn's disease keeps its EFO id
    assert by_id["EFO:0000384"]["jakpath_id"] == "crohns_disease"
    assert "MONDO:0005011" in by_id["jakpath:disease.cutaneous_crohns"]["xref"]
    assert by_id["jakpath:receptor.IL4R_TYPE2"]["category"] == ["biolink:MacromolecularComplex"]


def test_structure_edges(graph):
    edges = graph.edges
    il2r = {e["object"] for e in edges if e["subject"] == "jakpath:receptor.IL2R"}
    assert {"HGNC.SYMBOL:IL2RB", "HGNC.SYMBOL:IL2RG", "HGNC:6190", "HGNC:6193"} <= il2r
    sig = [e for e in edges if e["object"] == "jakpath:receptor.IL4R_TYPE1"]
    assert sig[0]["subject"] == "HGNC.SYMBOL:IL4" and sig[0]["canonical"] is True
    # driver weights of each disease sum to 1; rank 1 weighs at least as much as rank 3
    by_disease = {}
    for e in edges:
        if e["predicate"] == "biolink:contributes_to":
            by_disease.setdefault(e["object"], []).append(e)
    assert len(by_disease) == len({r["disease_id"] for r in _csv("disease_drivers")})
    for ds in by_disease.values():
        assert sum(e["weight"] for e in ds) == pytest.approx(1.0)
        w = {e["driver_rank"]: e["weight"] for e in ds if e["certainty"] == "established"}
        if 1 in w and 3 in w:
            assert w[1] >= w[3]
    ups = [e for e in edges if e["predicate"] == "biolink:regulates"]
    assert len(ups) == len(_csv("upstream_drivers"))
    il17 = next(e for e in ups if e["id"] == "jakpath:upstream.IL17A.IL23")
    assert il17["subject"] == "jakpath:cytokine.IL23" and il17["object"] == "HGNC.SYMBOL:IL17A"
    # data value set by the tier rule of data/RULES.md (IL-23 tier A: 0.5 x 2 / 4.5)
    assert il17["dependency_weight"] == pytest.approx(0.222)
    assert il17["knowledge_level"] == "prediction"  # a documented assumption


def test_cli_kgx(tmp_path, kb):
    from typer.testing import CliRunner

    from jakpath.cli.export import app

    result = CliRunner().invoke(app, ["kgx", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert kb.version in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "edges.jsonl",
        "edges.tsv",
        "manifest.json",
        "nodes.jsonl",
        "nodes.tsv",
    ]
