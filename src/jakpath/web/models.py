"""Typed request and response bodies of the HTTP API (documentation and tests).

The models describe the JSON the endpoints have always answered: same keys, same values. They
are attached to the routes as documented responses (``responses={200: {"model": ...}}``), so
OpenAPI shows every body, while the answers themselves are built as before (no re-encoding,
no new keys). ``tests/web`` validates real answers against these models.

Numbers that may be missing are ``null``; infinite ones are the strings ``"inf"``/``"-inf"``
(``jakpath.formats.json_safe``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from jakpath.evidence.fields import OUTCOMES, STUDY_TYPES

Number: TypeAlias = Annotated[
    float | Literal["inf", "-inf"] | None,
    Field(description="a number; null when not available; 'inf'/'-inf' when infinite"),
]
Text: TypeAlias = str | None


class Envelope(BaseModel):
    """An answer: data and code versions, the research-use notice, and its content."""

    model_config = ConfigDict(extra="allow")
    data_version: str = Field(description="knowledge-base data version")
    code_version: str = Field(description="jakpath code version")
    disclaimer: str = Field(description="research-use notice")


class RankRow(BaseModel):
    """One candidate of a ranking, every score component kept.

    ``inh_<cytokine>``, ``indirect_<cytokine>`` and ``burden_<event>`` columns (per disease)
    come as extra keys.
    """

    model_config = ConfigDict(extra="allow")
    rank: int
    drug: str
    regimen: str
    user_regimen: bool
    score: Number
    coverage: Number
    direct_coverage: Number
    indirect_coverage: Number
    evidence_level: Text
    evidence: Number
    evidence_records: int
    evidence_patients: int
    evidence_detail: Text
    safety: Number
    burden: Number
    label_burden: Number
    approved_for_disease: bool
    approved_for: Text
    uses: Text
    flags: list[str]
    potency_tiers: Text
    pareto: bool
    p_first: Number = None
    p_top3: Number = None
    rank_p05: Number = None
    rank_p95: Number = None


class RankResponse(Envelope):
    """Candidates ranked for a disease (``GET /api/rank``)."""

    disease_id: str
    burden_penalty: Number
    rows: list[RankRow]


class PotencyRow(BaseModel):
    """The potency used for one drug and pathway (``GET /api/potency/{drug}``)."""

    model_config = ConfigDict(extra="allow")
    drug_id: str
    cytokine_id: str
    ic50_total_nM: Number = Field(description="IC50 on the total-plasma scale, nM")
    ic50_assay_nM: Number = Field(description="IC50 as measured or predicted, nM")
    tier: str
    basis: Text
    n_values: int
    log10_sd: Number
    sources: Text
    detail: Text
    flags: Text
    species: Text
    relation: Text
    jak_class: Text
    mechanism: Text
    fu_assumed: bool
    n_records: int
    low_nM: Number = Field(description="lower end of the 90% interval, nM")
    high_nM: Number = Field(description="upper end of the 90% interval, nM")


class PotencyResponse(Envelope):
    """Potency used per pathway for a drug (``GET /api/potency/{drug}``)."""

    rows: list[PotencyRow]


class InhibitionRow(BaseModel):
    """Daily inhibition of one pathway at one regimen (fractions 0..1, hours per day)."""

    model_config = ConfigDict(extra="allow")
    drug: str
    regimen: str
    formulation: str
    pk_model: Text
    cytokine: str = Field(description="canonical cytokine id")
    cytokine_name: str = Field(description="display name of the cytokine")
    mean_inhibition: Number
    hours_ge_50: Number
    hours_ge_90: Number
    trough_inhibition: Number
    peak_inhibition: Number
    ic50_total_nM: Number
    ic50_relation: Text
    ic50_low_nM: Number
    ic50_high_nM: Number
    mean_inhibition_low: Number
    mean_inhibition_high: Number
    tier: str
    species: Text
    basis: Text
    potency_sources: Text
    metabolite_tiers: Text
    caveats: Text


class Course(BaseModel):
    """The 24-h course of one dosing interval (``course=true``)."""

    time_h: list[float]
    conc_total_nM: list[float]
    inhibition: dict[str, list[float]] = Field(description="cytokine id -> inhibition over time")


class PatientPayload(BaseModel):
    """Present when patient parameters were given."""

    patient: Text = None
    patient_effects: list[dict[str, Any]] | None = None
    label_recommendations: list[Any] | None = None


class InhibitionResponse(Envelope, PatientPayload):
    """Daily inhibition per pathway (``GET /api/inhibition``)."""

    warnings: list[str]
    rows: list[InhibitionRow]
    course: Course | None = None


class SimulateRow(BaseModel):
    """Concentration of one analyte at one time."""

    model_config = ConfigDict(extra="allow")
    drug: str
    regimen: str
    formulation: str
    analyte: str
    time_h: float
    conc_total_nM: Number
    conc_unbound_nM: Number
    conc_total_ng_per_mL: Number
    steady_state: bool
    pk_model: Text
    pk_basis: Text
    note: Text


class SimulateResponse(Envelope, PatientPayload):
    """Concentration over time (``GET /api/simulate``)."""

    regimen: str
    pk_models: dict[str, Any]
    rows: list[SimulateRow]
    warnings: list[str]


class RowsResponse(Envelope):
    """A table as records (drugs, cytokines, diseases, evidence, evidence summary)."""

    rows: list[dict[str, Any]]


class EvidenceAdded(Envelope):
    """``POST /api/evidence``: which records were stored and which were already there."""

    added: list[str]
    already_stored: list[str]


_Float = StrictFloat | StrictInt | StrictStr | None
_Int = StrictInt | StrictStr | None
_Str = StrictStr | None


class EvidenceRecord(BaseModel):
    """One evidence record to add (the columns of SCHEMA.md ``cases``).

    Required: ``disease_id``, ``drug_id``, ``study_type``, ``source_ids`` and a ``doi`` or
    ``pmid``; ``outcome`` unless responder counts are given. Names are accepted for
    ``disease_id`` and ``drug_id``. Numbers may be sent as numbers or as text; values are
    checked by the evidence validator (every problem is listed in the 422 answer).
    """

    model_config = ConfigDict(extra="allow")
    case_id: _Str = Field(None, description="your id (1-64 letters, digits, '_', '-', '.', ':')")
    disease_id: _Str = Field(None, description="disease id or name")
    drug_id: _Str = Field(None, description="drug id or name; several as 'a;b' or 'a or b'")
    regimen_text: _Str = Field(None, description="the regimen in the source's words")
    dose_mg: _Float = Field(None, description="dose per administration, mg")
    interval_h: _Float = Field(None, description="dosing interval, h")
    route: _Str = None
    n_patients: _Int = None
    age_years: _Float = None
    age_band: _Str = None
    age: _Float = Field(None, description="years or a band (instead of age_years/age_band)")
    sex: _Str = None
    prior_failed: _Str = None
    time_to_response: _Str = None
    time_to_response_weeks: _Float = None
    outcome: _Str = Field(None, description="one of " + ", ".join(OUTCOMES))
    outcome_text: _Str = None
    outcome_measure: _Str = None
    n_complete: _Int = None
    n_partial: _Int = None
    n_none: _Int = None
    counts_basis: _Str = None
    duration: _Str = None
    duration_weeks: _Float = None
    adverse_events: _Str = None
    follow_up: _Str = None
    follow_up_weeks: _Float = None
    study_type: _Str = Field(None, description="one of " + ", ".join(STUDY_TYPES))
    source_ids: _Str = None
    source_id: _Str = Field(None, description="alias of source_ids")
    doi: _Str = None
    pmid: _Float = None
    location: _Str = None
    note: _Str = None

    def raw(self) -> dict[str, Any]:
        """The fields the client sent, as sent (for the evidence validator)."""
        return self.model_dump(exclude_unset=True)


__all__ = [
    "Course",
    "Envelope",
    "EvidenceAdded",
    "EvidenceRecord",
    "InhibitionResponse",
    "InhibitionRow",
    "PotencyResponse",
    "PotencyRow",
    "RankResponse",
    "RankRow",
    "RowsResponse",
    "SimulateResponse",
    "SimulateRow",
]
