"""Table schemas of the knowledge base: columns, types, enumerations, ranges and references.

The schemas are the single definition of the data files described in ``data/SCHEMA.md``;
loading and validation both read them, so a column added here is checked everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

QUALITY_TIERS = ("primary", "label", "review", "vendor", "compilation", "derived", "assumption")
"""Quality tiers of a value, best first (see data/SCHEMA.md)."""

JAK_IDS = ("JAK1", "JAK2", "JAK3", "TYK2")
ENZYME_TARGETS = (*JAK_IDS, "TYK2_JH2")
YES_NO = ("yes", "no")

DRIVER_RULES: dict[str, int] = {
    "approved_targeted": 1,
    "trial_positive": 1,
    "driver_mutation": 1,
    "trial_mixed": 2,
    "trial_supportive": 2,
    "human_tissue": 2,
    "trial_failed": 3,
    "association": 3,
    "inferred": 3,
}
"""Written rules that set a disease driver's rank (data/RULES.md), with the rank each gives.
``driver_mutation`` gives rank 1, or 2 when the mutation activates the receptor in only a
subset of patients or outside the disease's defining lineage (RULES.md)."""

APPROVAL_USES = ("chronic", "induction", "loading", "mpn", "acute", "topical")
"""What an approved regimen is for (data/RULES.md section 3): chronic (maintenance) use, an
induction or loading phase, myeloproliferative-neoplasm dosing, a short acute course, or a topical
product (never ranked on plasma exposure)."""

TRIAL_ENDPOINTS = (
    "ACR20",
    "ACR50",
    "ACR70",
    "PASI75",
    "PASI90",
    "clinical_remission",
    "clinical_response",
    "EASI75",
    "HiSCR50",
    "SALT20",
)
"""Responder endpoints of randomised trials stored in trial_outcomes.csv."""

LABEL_GRADE_WEIGHTS: dict[str, float] = {
    "boxed_warning": 3.0,
    "warnings_precautions": 2.0,
    "adverse_reaction": 1.0,
}
"""Safety-class weight by the highest US-label grade at which the class appears (RULES.md s.4)."""

SAFETY_LINK_WEIGHTS: dict[str, float] = {"primary": 1.0, "contributory": 0.5}
"""Weight of a cytokine pathway's link to a safety class (RULES.md section 4)."""

UPSTREAM_TIERS: dict[str, float] = {"A": 2.0, "B": 1.0, "C": 0.5}
"""Evidence tier of an upstream-driver link -> units of share (data/RULES.md)."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its type and the checks the validator applies."""

    name: str
    kind: str = "str"  # str | float | int
    required: bool = False
    choices: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    ref: str | None = None  # "table.column" this column must resolve in
    multi: bool = False  # ';'-separated list


@dataclass(frozen=True)
class Table:
    """A knowledge-base table: file stem, key columns and columns."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    multi_file: bool = False  # sources*.csv
    optional: bool = False  # an empty or missing file is allowed
    numeric_value: str | None = None  # the column holding the table's number (needs a location)
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        """Names of the columns in schema order."""
        return [c.name for c in self.columns]


def _prov(numeric: bool = True) -> tuple[Column, ...]:
    """Provenance columns shared by tables that carry claims or numbers."""
    return (
        Column("source_ids", required=True, ref="sources.source_id", multi=True),
        Column("location", required=numeric),
    )


_QUALITY = Column("quality", required=True, choices=QUALITY_TIERS)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "sources",
            (
                Column("source_id", required=True),
                Column(
                    "kind",
                    required=True,
                    choices=("paper", "label", "review", "database", "vendor", "web", "book"),
                ),
                Column("citation", required=True),
                Column("doi"),
                Column("pmid"),
                Column("url"),
                Column("note"),
            ),
            key=("source_id",),
            multi_file=True,
        ),
        Table(
            "jaks",
            (
                Column("jak_id", required=True, choices=JAK_IDS),
                Column("name", required=True),
                Column("hgnc_id", required=True),
                Column("uniprot_id", required=True),
                Column("gene_symbol", required=True),
                *_prov(numeric=False),
            ),
            key=("jak_id",),
        ),
        Table(
            "atp_km",
            (
                Column("jak_id", required=True, ref="jaks.jak_id"),
                Column("atp_km_uM", "float", required=True, min_value=0.1, max_value=5000),
                Column("construct"),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            optional=True,
            numeric_value="atp_km_uM",
        ),
        Table(
            "cytokines",
            (
                Column("cytokine_id", required=True),
                Column("name", required=True),
                Column("synonyms", multi=True),
                Column("family"),
                Column("jak_signalling", required=True, choices=YES_NO),
                Column(
                    "safety_class",
                    choices=(
                        "haematopoiesis",
                        "lymphocyte_nk",
                        "antiviral",
                        "metabolic_endocrine",
                        "other",
                    ),
                ),
                Column("role"),
                Column("stats"),
                Column("hgnc_symbols"),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("cytokine_id",),
        ),
        Table(
            "receptors",
            (
                Column("receptor_id", required=True),
                Column("cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("name", required=True),
                Column("canonical", required=True, choices=YES_NO),
                Column("cell_context"),
                Column("stats"),
                Column("certainty", required=True, choices=("established", "uncertain")),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("receptor_id",),
        ),
        Table(
            "receptor_chains",
            (
                Column("receptor_id", required=True, ref="receptors.receptor_id"),
                Column("chain", required=True),
                Column("jak_id", required=True, ref="jaks.jak_id"),
                Column("certainty", required=True, choices=("established", "uncertain")),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("receptor_id", "chain", "jak_id"),
        ),
        Table(
            "upstream_drivers",
            (
                Column("cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("driver_cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("dependency_weight", "float", required=True, min_value=0, max_value=1),
                Column("evidence_tier", required=True, choices=tuple(UPSTREAM_TIERS)),
                Column("total_share", "float", required=True, min_value=0, max_value=1),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            key=("cytokine_id", "driver_cytokine_id"),
            numeric_value="dependency_weight",
        ),
        Table(
            "readouts",
            (
                Column("readout_id", required=True),
                Column("cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("pstat", required=True),
                Column("cell_type"),
                Column(
                    "matrix",
                    required=True,
                    choices=("whole_blood", "pbmc", "primary_cells", "cell_line"),
                ),
                Column("canonical", required=True, choices=YES_NO),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("readout_id",),
        ),
        Table(
            "diseases",
            (
                Column("disease_id", required=True),
                Column("name", required=True),
                Column("synonyms", multi=True),
                Column("mondo_id"),
                Column("efo_id"),
                Column(
                    "category",
                    choices=(
                        "skin",
                        "rheumatic",
                        "gastrointestinal",
                        "systemic",
                        "transplant",
                        "haematologic",
                    ),
                ),
                Column("seed_disease", choices=YES_NO),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("disease_id",),
        ),
        Table(
            "disease_drivers",
            (
                Column("disease_id", required=True, ref="diseases.disease_id"),
                Column("cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("rank", "int", required=True, min_value=1, max_value=3),
                Column("certainty", required=True, choices=("established", "uncertain")),
                Column("rule", required=True, choices=tuple(DRIVER_RULES)),
                Column("evidence_note"),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("disease_id", "cytokine_id"),
        ),
        Table(
            "drugs",
            (
                Column("drug_id", required=True),
                Column("name", required=True),
                Column("synonyms", multi=True),
                Column("chembl_id"),
                Column(
                    "mechanism",
                    required=True,
                    choices=("atp_competitive", "allosteric_tyk2_jh2", "covalent_jak3"),
                ),
                Column("selectivity"),
                Column(
                    "status", required=True, choices=("approved", "investigational", "metabolite")
                ),
                Column("route"),
                Column("parent_drug_id", ref="drugs.drug_id"),
                Column("smiles"),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("drug_id",),
        ),
        Table(
            "drug_properties",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column(
                    "property",
                    required=True,
                    choices=(
                        "mw_free_base",
                        "plasma_protein_binding",
                        "fraction_unbound",
                        "bioavailability",
                        "blood_to_plasma",
                        "relative_potency_to_parent",
                        "metabolite_to_parent_auc_ratio",
                    ),
                ),
                # empty only on an explicit "unknown: <why>" row (see kb.validate)
                Column("value", "float", min_value=0),
                Column("unit"),
                Column("chosen", required=True, choices=YES_NO),
                *_prov(),
                _QUALITY,
                Column("derived_from"),
                Column("note"),
            ),
            numeric_value="value",
        ),
        Table(
            "enzyme_potency",
            (
                Column("record_id", required=True),
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("target", required=True, choices=ENZYME_TARGETS),
                Column("measure", required=True, choices=("IC50", "Ki", "Kd")),
                Column("relation", choices=("=", "<", ">", "<=", ">=", "~")),
                Column("value_nM", "float", required=True, min_value=1e-4, max_value=1e6),
                Column("atp_uM", "float", min_value=0, max_value=10000),
                Column("atp_note"),
                Column("construct"),
                Column("assay_set"),
                Column("chembl_assay_id"),
                *_prov(),
                _QUALITY,
                Column("derived_from"),
                Column("note"),
            ),
            key=("record_id",),
            numeric_value="value_nM",
        ),
        Table(
            "cellular_potency",
            (
                Column("record_id", required=True),
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("stimulus"),
                Column("readout"),
                Column("cell_type"),
                Column(
                    "matrix",
                    required=True,
                    choices=("whole_blood", "pbmc", "primary_cells", "cell_line"),
                ),
                Column("species"),
                Column(
                    "concentration_basis",
                    required=True,
                    choices=("total_blood", "unbound_blood", "medium"),
                ),
                Column("measure", required=True, choices=("IC50", "EC50")),
                Column("relation", choices=("=", "<", ">", "<=", ">=", "~")),
                Column("value_nM", "float", required=True, min_value=1e-4, max_value=1e6),
                Column("donor"),
                Column("assay_set"),
                Column("chembl_assay_id"),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            key=("record_id",),
            numeric_value="value_nM",
        ),
        Table(
            "potency_curation",
            (
                Column("record_id", required=True),
                Column("table", required=True, choices=("cellular_potency", "enzyme_potency")),
                Column("decision", required=True, choices=("exclude", "keep")),
                Column("reason", required=True),
                *_prov(),
            ),
            key=("record_id",),
        ),
        Table(
            "pk_models",
            (
                Column("model_id", required=True),
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("formulation", required=True, choices=("IR", "XR", "topical")),
                Column("structure", required=True, choices=("one_cmt", "two_cmt", "observed_css")),
                Column("absorption", choices=("first_order", "zero_order", "mixed", "none")),
                Column("population"),
                Column("chosen", required=True, choices=YES_NO),
                *_prov(numeric=False),
                _QUALITY,
                Column("note"),
            ),
            key=("model_id",),
        ),
        Table(
            "pk_parameters",
            (
                Column("model_id", required=True, ref="pk_models.model_id"),
                Column(
                    "parameter",
                    required=True,
                    choices=(
                        "CL_F",
                        "V_F",
                        "Q_F",
                        "V2_F",
                        "ka",
                        "tlag",
                        "D1",
                        "frac_zero_order",
                        "ka_first_order",
                        "F",
                        "F_rel",
                        "css_nM",
                        "omega_CL",
                        "omega_V",
                        "omega_ka",
                    ),
                ),
                Column("value", "float", required=True, min_value=0),
                Column("unit"),
                *_prov(),
                _QUALITY,
                Column("derived_from"),
                Column("note"),
            ),
            key=("model_id", "parameter"),
            numeric_value="value",
        ),
        Table(
            "pk_observations",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("formulation", required=True, choices=("IR", "XR", "topical")),
                Column("dose_mg", "float", min_value=0, max_value=2000),
                Column("interval_h", "float", min_value=0, max_value=24 * 14),
                Column("state", required=True, choices=("single", "steady")),
                Column(
                    "metric",
                    required=True,
                    choices=(
                        "cmax",
                        "tmax",
                        "auc_tau",
                        "auc_inf",
                        "t_half",
                        "t_half_eff",
                        "ctrough",
                        "css",
                    ),
                ),
                Column("value", "float", required=True, min_value=0),
                Column("unit", required=True, choices=("ng/mL", "h", "ng*h/mL", "nM", "nM*h")),
                Column("population"),
                *_prov(),
                _QUALITY,
                Column("note"),
                # a reported range (value = its midpoint); the check accepts a prediction
                # within 25% of any value in the range
                Column("range_low", "float", min_value=0),
                Column("range_high", "float", min_value=0),
            ),
            numeric_value="value",
        ),
        Table(
            "approvals",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("brand"),
                Column("agency", required=True, choices=("FDA", "EMA", "PMDA", "NMPA", "MHRA")),
                Column("disease_id", ref="diseases.disease_id"),
                Column("indication", required=True),
                Column("year", "int", min_value=1990, max_value=2030),
                Column("dose_mg", "float", min_value=0, max_value=2000),
                Column("interval_h", "float", min_value=0, max_value=24 * 14),
                Column("formulation", choices=("IR", "XR", "topical")),
                Column("regimen_text"),
                Column("use", required=True, choices=APPROVAL_USES),
                Column("route", required=True, choices=("oral", "topical")),
                *_prov(numeric=False),
                Column("note"),
            ),
        ),
        Table(
            "boxed_warnings",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("agency", required=True),
                Column("warning", required=True),
                *_prov(numeric=False),
            ),
            optional=True,
        ),
        Table(
            "safety_classes",
            (
                Column("safety_class", required=True),
                Column("name", required=True),
                Column("description"),
                Column(
                    "label_grade",
                    required=True,
                    choices=("boxed_warning", "warnings_precautions", "adverse_reaction"),
                ),
                Column("weight", "float", required=True, min_value=0, max_value=10),
                Column("drug_level", required=True, choices=YES_NO),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            key=("safety_class",),
            numeric_value="weight",
        ),
        Table(
            "safety_class_pathways",
            (
                Column("cytokine_id", required=True, ref="cytokines.cytokine_id"),
                Column("safety_class", required=True, ref="safety_classes.safety_class"),
                Column("link", required=True, choices=("primary", "contributory")),
                Column("link_weight", "float", required=True, min_value=0, max_value=1),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            key=("cytokine_id", "safety_class"),
            numeric_value="link_weight",
        ),
        Table(
            "label_safety",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("agency", required=True, choices=("FDA", "EMA", "PMDA", "NMPA", "MHRA")),
                Column("product"),
                Column(
                    "kind",
                    required=True,
                    choices=(
                        "boxed_warning",
                        "contraindication",
                        "dose_limiting_toxicity",
                        "warning",
                    ),
                ),
                Column("text", required=True),
                Column("safety_class", ref="safety_classes.safety_class"),
                *_prov(),
                Column("note"),
            ),
        ),
        Table(
            "trial_outcomes",
            (
                Column("outcome_id", required=True),
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("dose_mg", "float", required=True, min_value=0, max_value=2000),
                Column("interval_h", "float", required=True, min_value=1, max_value=24 * 14),
                Column("formulation", required=True, choices=("IR", "XR", "topical")),
                Column("disease_id", required=True, ref="diseases.disease_id"),
                Column("endpoint", required=True, choices=TRIAL_ENDPOINTS),
                Column("week", "float", required=True, min_value=1, max_value=104),
                Column("active_rate_pct", "float", required=True, min_value=0, max_value=100),
                Column("placebo_rate_pct", "float", required=True, min_value=0, max_value=100),
                Column("n_active", "int", min_value=1, max_value=100000),
                Column("n_placebo", "int", min_value=1, max_value=100000),
                Column("trial", required=True),
                Column("population"),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            key=("outcome_id",),
            numeric_value="active_rate_pct",
        ),
        Table(
            "cases",
            (
                Column("case_id", required=True),
                Column("disease_id", required=True, ref="diseases.disease_id"),
                # several drugs (a;b) = the source does not say which patient had which
                Column("drug_id", required=True, ref="drugs.drug_id", multi=True),
                Column("regimen_text"),
                Column("dose_mg", "float", min_value=0, max_value=2000),
                Column("interval_h", "float", min_value=0, max_value=24 * 14),
                Column("route"),
                Column("n_patients", "int", min_value=1, max_value=100000),
                Column("age"),
                Column("sex"),
                Column("prior_failed"),
                Column("time_to_response"),
                Column(
                    "outcome",
                    required=True,
                    choices=("complete", "partial", "none", "worse", "mixed", "not_reported"),
                ),
                Column("outcome_text"),
                Column("outcome_measure"),
                Column("n_complete", "int", min_value=0, max_value=100000),
                Column("n_partial", "int", min_value=0, max_value=100000),
                Column("n_none", "int", min_value=0, max_value=100000),
                Column("counts_basis", choices=("reported", "derived")),
                Column("duration"),
                Column("adverse_events"),
                Column("follow_up"),
                Column(
                    "study_type",
                    required=True,
                    choices=(
                        "case_report",
                        "case_series",
                        "cohort",
                        "randomised_trial",
                        "open_label_trial",
                    ),
                ),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("case_id",),
        ),
        # --- patient covariates (jakpath.exposure.patient) ---------------------------------
        Table(
            "interacting_drugs",
            (
                Column("drug_name", required=True),
                Column("synonyms"),
                Column("classes", required=True),
                *_prov(numeric=False),
                Column("note"),
            ),
            key=("drug_name",),
        ),
        Table(
            "pk_interaction_classes",
            (
                Column("class_id", required=True),
                Column("pathway", required=True),
                Column("effect", required=True, choices=("inhibitor", "inducer")),
                Column("activity_factor", "float", required=True, min_value=0, max_value=100),
                *_prov(),
                _QUALITY,
                Column("derived_from"),
                Column("note"),
            ),
            key=("class_id",),
            numeric_value="activity_factor",
        ),
        Table(
            "pk_covariates",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column(
                    "covariate",
                    required=True,
                    choices=(
                        "crcl",
                        "egfr",
                        "child_pugh",
                        "interaction",
                        "pathway",
                        "cyp2c19",
                        "weight",
                        "age",
                        "sex",
                    ),
                ),
                Column("level"),
                Column("parameter", required=True, choices=("CL_F", "V_F", "Q_F", "V2_F", "F")),
                Column(
                    "form",
                    required=True,
                    choices=(
                        "power",
                        "renal_fraction",
                        "factor",
                        "auc_ratio",
                        "logit_f_shift",
                        "fraction",
                    ),
                ),
                Column("value", "float", required=True),
                Column("reference", "float", min_value=0),
                Column("studied_low", "float", min_value=0),
                Column("studied_high", "float", min_value=0),
                *_prov(),
                _QUALITY,
                Column("derived_from"),
                Column("note"),
            ),
            numeric_value="value",
        ),
        Table(
            "pk_auc_ratios",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("statement", required=True),
                Column("egfr", "float", min_value=0, max_value=250),
                Column("crcl", "float", min_value=0, max_value=400),
                Column("child_pugh", choices=("A", "B", "C")),
                Column("with_drug"),
                Column("cyp2c19"),
                Column("observed_auc_ratio", "float", required=True, min_value=0),
                Column("analyte", required=True, choices=("parent", "active_moiety")),
                Column("population"),
                *_prov(),
                _QUALITY,
                Column("note"),
            ),
            numeric_value="observed_auc_ratio",
        ),
        Table(
            "pk_dose_recommendations",
            (
                Column("drug_id", required=True, ref="drugs.drug_id"),
                Column("condition", required=True),
                Column("egfr_low", "float", min_value=0),
                Column("egfr_high", "float", min_value=0),
                Column("crcl_low", "float", min_value=0),
                Column("crcl_high", "float", min_value=0),
                Column("child_pugh", choices=("A", "B", "C")),
                Column("interaction_class"),
                Column("cyp2c19"),
                Column("recommendation", required=True),
                *_prov(),
                Column("note"),
            ),
        ),
    ]
}
"""Every table of the knowledge base, by name."""
