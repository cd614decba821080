"""The knowledge base holds what the project promises, with identifiers and sources."""

import re

import pytest

from jakpath.kb import UnknownNameError, load_kb

SEED_DISEASES = [
    "atopic dermatitis",
    "psoriasis",
    "dermatomyositis",
    "vitiligo",
    "hidradenitis suppurativa",
    "cutaneous lupus erythematosus",
    "cutaneous Crohn's disease",
]
REQUIRED_DISEASES = [
    *SEED_DISEASES,
    "alopecia areata",
    "rheumatoid arthritis",
    "psoriatic arthritis",
    "ulcerative colitis",
    "Crohn's disease",
    "ankylosing spondylitis",
    "systemic lupus erythematosus",
    "lichen planus",
    "sarcoidosis",
]
REQUIRED_DRUGS = [
    "tofacitinib",
    "baricitinib",
    "upadacitinib",
    "filgotinib",
    "GS-829845",
    "abrocitinib",
    "ruxolitinib",
    "deucravacitinib",
    "ritlecitinib",
    "deuruxolitinib",
    "fedratinib",
    "pacritinib",
    "momelotinib",
    "peficitinib",
    "delgocitinib",
]


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_jaks_have_hgnc_and_uniprot(kb):
    assert sorted(kb.jaks.jak_id) == ["JAK1", "JAK2", "JAK3", "TYK2"]
    assert kb.jaks.hgnc_id.str.match(r"^HGNC:\d+$").all()
    assert kb.jaks.uniprot_id.str.match(r"^[OPQ]\d[A-Z0-9]{3}\d$").all()


def test_at_least_40_jak_cytokines_with_chains_and_safety_class(kb):
    jak = kb.cytokines[kb.cytokines.jak_signalling == "yes"]
    assert len(jak) >= 40
    for cid in ("EPO", "TPO", "GMCSF"):
        assert kb.cytokine(cid).safety_class == "haematopoiesis"
    for cid in ("IL2", "IL7", "IL15", "IL21"):
        assert kb.cytokine(cid).safety_class == "lymphocyte_nk"
    for cid in ("IFNA", "IFNB", "IFNL1"):
        assert kb.cytokine(cid).safety_class == "antiviral"


def test_both_il4_receptor_types(kb):
    il4 = kb.receptors[kb.receptors.cytokine_id == "IL4"]
    assert len(il4) == 2
    chains = kb.receptor_chains[kb.receptor_chains.receptor_id.isin(il4.receptor_id)]
    assert "JAK3" in set(chains.jak_id)  # type I: gamma-c
    assert {"TYK2", "JAK2"} & set(chains.jak_id)  # type II: IL-13Ralpha1


def test_textbook_wiring(kb):
    assert set(kb.cytokine("IL-15").jaks) == {"JAK1", "JAK3"}
    assert set(kb.cytokine("IFN-alpha").jaks) == {"JAK1", "TYK2"}
    assert set(kb.cytokine("EPO").jaks) == {"JAK2"}
    assert set(kb.cytokine("IFN-gamma").jaks) == {"JAK1", "JAK2"}


def test_non_jak_cytokines_have_upstream_drivers(kb):
    non_jak = kb.cytokines[kb.cytokines.jak_signalling == "no"].cytokine_id
    with_drivers = set(kb.upstream_drivers.cytokine_id)
    assert len(with_drivers & set(non_jak)) >= 10
    drivers_of_il17 = set(
        kb.upstream_drivers[kb.upstream_drivers.cytokine_id == "IL17A"].driver_cytokine_id
    )
    assert {"IL23", "IL6"} <= drivers_of_il17


def test_canonical_readout_per_anchor_cytokine(kb):
    canon = kb.readouts[kb.readouts.canonical == "yes"]
    assert canon.cytokine_id.is_unique
    assert {"IL6", "EPO", "IFNA", "IL2"} <= set(canon.cytokine_id)


def test_diseases_with_identifiers_and_drivers(kb):
    assert len(kb.diseases) >= 25
    for name in REQUIRED_DISEASES:
        d = kb.disease(name)
        assert d.mondo_id or d.efo_id, name
        w = kb.driver_weights(d.disease_id)
        assert len(w) > 0, name
        assert w.weight.sum() == pytest.approx(1.0)
    assert (
        kb.diseases.mondo_id.fillna("")
        .map(lambda x: x == "" or re.match(r"^MONDO:\d{7}$", x) is not None)
        .all()
    )


def test_seed_driver_statements(kb):
    dm = set(kb.driver_weights("dermatomyositis").cytokine_id)
    assert {"IFNA", "IL6", "IL15"} <= dm or {"IFNB", "IL6", "IL15"} <= dm
    assert {"IL4", "IL13"} <= set(kb.driver_weights("atopic dermatitis").cytokine_id)
    assert {"IL23", "IL17A"} <= set(kb.driver_weights("psoriasis").cytokine_id)
    assert "IFNG" in set(kb.driver_weights("vitiligo").cytokine_id)


def test_drugs_with_chembl_mw_and_mechanism(kb):
    assert len(kb.drugs) >= 14
    with_chembl = 0
    for name in REQUIRED_DRUGS:
        d = kb.drug(name)
        assert d.mechanism
        assert d.chembl_id == "" or re.match(r"^CHEMBL\d+$", d.chembl_id), name
        with_chembl += bool(d.chembl_id)
    # deuruxolitinib (and the metabolite GS-829845) have no ChEMBL id in any stored source
    assert with_chembl >= len(REQUIRED_DRUGS) - 2
    for drug in ("tofacitinib", "baricitinib", "upadacitinib", "ruxolitinib"):
        assert kb.chosen_property(drug, "mw_free_base") > 200
    assert kb.drug("deucravacitinib").mechanism == "allosteric_tyk2_jh2"
    assert kb.drug("ritlecitinib").mechanism == "covalent_jak3"
    assert kb.drug("GS-829845").parent_drug_id == "filgotinib"


def test_every_value_row_cites_a_known_source(kb):
    known = set(kb.sources.source_id)
    for name, df in kb.tables.items():
        if "source_ids" not in df.columns:
            continue
        for ids in df.source_ids:
            assert ids, f"{name}: empty source_ids"
            assert set(ids.split(";")) <= known, f"{name}: {ids}"


def test_evidence_records(kb):
    assert len(kb.cases) >= 31
    seed = kb.cases[kb.cases.source_ids.str.contains("agarwal2023")]
    assert set(seed.disease_id) >= {
        "dermatomyositis",
        "hidradenitis_suppurativa",
        "cutaneous_crohns",
        "cutaneous_lupus",
    }


def test_approvals_and_boxed_warnings(kb):
    assert {"FDA", "EMA"} <= set(kb.approvals.agency)
    assert "tofacitinib" in set(kb.boxed_warnings.drug_id)


@pytest.mark.parametrize(
    "query,expected",
    [
        ("Rinvoq", "upadacitinib"),
        ("ABT-494", "upadacitinib"),
        ("abt494", "upadacitinib"),
        ("XELJANZ", "tofacitinib"),
        ("CP-690550", "tofacitinib"),
        ("Olumiant", "baricitinib"),
        ("Sotyktu", "deucravacitinib"),
        ("Jakafi", "ruxolitinib"),
    ],
)
def test_drug_synonyms(kb, query, expected):
    assert kb.drug_names.resolve(query) == expected


def test_disease_names_case_insensitive_but_not_ambiguous_abbreviations(kb):
    assert kb.disease_names.resolve("Dermatomyositis") == "dermatomyositis"
    assert kb.disease_names.resolve("dermatomyositis") == "dermatomyositis"
    with pytest.raises(UnknownNameError) as err:
        kb.disease_names.resolve("DM")
    assert "dermatomyositis" in " ".join(err.value.suggestions).lower() or err.value.suggestions


def test_unknown_name_suggests_closest(kb):
    with pytest.raises(UnknownNameError) as err:
        kb.drug_names.resolve("tofacitnib")
    assert err.value.suggestions[0].lower() == "tofacitinib"
