"""The JSON API: everything the Python API answers, with citations and the data version."""

from __future__ import annotations

import json
import math
import threading
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from jakpath import __version__
from jakpath.evidence.fields import OUTCOMES, STUDY_TYPES
from jakpath.exposure.model import simulate
from jakpath.exposure.regimen import parse_regimen
from jakpath.formats import json_records, json_safe
from jakpath.inhibition.pathways import inhibition
from jakpath.inhibition.potency import potency_table
from jakpath.kb import KnowledgeBase
from jakpath.matching import explain, rank
from jakpath.notice import SHORT_DISCLAIMER
from jakpath.web.models import (
    Envelope,
    EvidenceAdded,
    EvidenceRecord,
    InhibitionResponse,
    PotencyResponse,
    RankResponse,
    RowsResponse,
    SimulateResponse,
)

MAX_NAME = 120
"""Longest name or regimen text accepted in a query (bounded requests)."""

MAX_DAYS = 28.0
"""Longest simulated span (days) per request."""

MAX_POINTS = 20_000
"""Most time points per simulation request."""

MAX_PATHWAYS = 60
"""Most pathways per inhibition request."""


class ErrorBody(BaseModel):
    """Every error answer: a message, plus details for some (suggestions, problems)."""

    model_config = ConfigDict(extra="allow")
    error: str


def _errors(**described: str) -> dict:
    return {int(code[1:]): {"model": ErrorBody, "description": d} for code, d in described.items()}


router = APIRouter(
    prefix="/api",
    responses=_errors(
        s404="Unknown name (with the closest known names) or missing data",
        s413="Request body larger than the limit",
        s422="Invalid parameter, regimen outside physical limits, or missing data",
        s503="The evidence store cannot be reached",
    ),
)


def ok(model: type[BaseModel], status: int = 200) -> dict:
    """A documented success answer with its body model (the route still returns its dict)."""
    return {status: {"model": model, "description": model.__doc__.splitlines()[0]}}


WRITE_ERRORS = _errors(
    s400="Malformed request body (not JSON)",
    s401="No bearer token (the answer carries WWW-Authenticate)",
    s403="Wrong bearer token",
)
"""Extra documented answers of the write endpoints."""

Name = Annotated[str, Query(min_length=1, max_length=MAX_NAME)]
PathName = Annotated[str, Path(min_length=1, max_length=MAX_NAME)]


def get_kb(request: Request) -> KnowledgeBase:
    """The knowledge base the app was created with (injected, not global)."""
    return request.app.state.kb


KB = Annotated[KnowledgeBase, Depends(get_kb)]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe records: NaN -> null, inf -> 'inf', numpy scalars -> Python."""
    return json_records(df)


def envelope(kb: KnowledgeBase, **payload) -> dict:
    """Every answer carries the data version and the research-use note."""
    return {
        "data_version": kb.version,
        "code_version": __version__,
        "disclaimer": SHORT_DISCLAIMER,
        **payload,
    }


def _sources_for(kb: KnowledgeBase, df: pd.DataFrame) -> list[dict]:
    ids = sorted(
        {x for v in df.get("source_ids", pd.Series(dtype=str)) for x in str(v).split(";") if x}
    )
    src = kb.sources[kb.sources.source_id.isin(ids)]
    return records(src)


@router.get("/version", response_model=None, responses=ok(Envelope))
def version(kb: KB) -> dict:
    """Code and knowledge-base data versions."""
    return envelope(kb)


@router.get("/validation", response_model=None, responses=ok(Envelope))
def validation(kb: KB) -> dict:
    """Validation status of the loaded knowledge base."""
    errors = [p for p in kb.problems if p.severity == "error"]
    return envelope(
        kb,
        valid=not errors,
        errors=[str(p) for p in errors],
        warnings=[str(p) for p in kb.problems if p.severity != "error"],
    )


@router.get("/drugs", response_model=None, responses=ok(RowsResponse))
def drugs(kb: KB) -> dict:
    """All drugs with identifiers and mechanism."""
    return envelope(kb, rows=records(kb.drugs))


@router.get("/drugs/{name}", response_model=None, responses=ok(Envelope))
def drug(name: PathName, kb: KB) -> dict:
    """One drug: identity, properties, PK models and parameters, approvals, warnings."""
    d = kb.drug(name)
    sel = {
        t: kb.tables[t][kb.tables[t].drug_id == d.drug_id]
        for t in ("drugs", "drug_properties", "approvals", "boxed_warnings", "pk_models")
    }
    pk = kb.pk_parameters[kb.pk_parameters.model_id.isin(sel["pk_models"].model_id)]
    return envelope(
        kb,
        drug_id=d.drug_id,
        name=d.name,
        **{t: records(v) for t, v in sel.items()},
        pk_parameters=records(pk),
        sources=_sources_for(kb, pd.concat([*sel.values(), pk])),
    )


@router.get("/cytokines", response_model=None, responses=ok(RowsResponse))
def cytokines(kb: KB) -> dict:
    """All cytokines with family, safety class and JAK signalling."""
    return envelope(kb, rows=records(kb.cytokines))


@router.get("/cytokines/{name}", response_model=None, responses=ok(Envelope))
def cytokine(name: PathName, kb: KB) -> dict:
    """One cytokine: receptors, chains and JAKs, upstream-driver links, sources."""
    c = kb.cytokine(name)
    rec = kb.receptors[kb.receptors.cytokine_id == c.cytokine_id]
    chains = kb.receptor_chains[kb.receptor_chains.receptor_id.isin(rec.receptor_id)]
    ups = kb.upstream_drivers[
        (kb.upstream_drivers.cytokine_id == c.cytokine_id)
        | (kb.upstream_drivers.driver_cytokine_id == c.cytokine_id)
    ]
    row = kb.cytokines[kb.cytokines.cytokine_id == c.cytokine_id]
    return envelope(
        kb,
        cytokine=records(row)[0],
        jaks=list(c.jaks),
        receptors=records(rec),
        chains=records(chains),
        upstream_drivers=records(ups),
        sources=_sources_for(kb, pd.concat([row, rec, chains, ups])),
    )


@router.get("/diseases", response_model=None, responses=ok(RowsResponse))
def diseases(kb: KB) -> dict:
    """All diseases with MONDO/EFO identifiers."""
    return envelope(kb, rows=records(kb.diseases))


@router.get("/diseases/{name}", response_model=None, responses=ok(Envelope))
def disease(name: PathName, kb: KB) -> dict:
    """One disease: identifiers, driving cytokines with weights and sources, approvals."""
    d = kb.disease(name)
    drivers = kb.driver_weights(d.disease_id)
    appr = kb.approvals[kb.approvals.disease_id == d.disease_id]
    return envelope(
        kb,
        disease=records(kb.diseases[kb.diseases.disease_id == d.disease_id])[0],
        drivers=records(drivers),
        approvals=records(appr),
        sources=_sources_for(kb, pd.concat([drivers, appr])),
    )


@router.get("/sources/{source_id}", response_model=None, responses=ok(Envelope))
def source(source_id: PathName, kb: KB) -> dict:
    """One source of the registry."""
    hit = kb.sources[kb.sources.source_id == source_id]
    if hit.empty:
        from jakpath.kb.names import NameIndex

        index = NameIndex("source", ((s, s, ()) for s in kb.sources.source_id))
        index.resolve(source_id)  # raises with suggestions
    return envelope(kb, source=records(hit)[0])


@router.get("/search", response_model=None, responses=ok(Envelope))
def search(
    q: Annotated[str, Query(max_length=MAX_NAME)],
    kb: KB,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict:
    """Suggestions for drugs, diseases and cytokines matching a partial name."""
    out = []
    for kind, index in (
        ("drug", kb.drug_names),
        ("disease", kb.disease_names),
        ("cytokine", kb.cytokine_names),
    ):
        table = {"drug": kb.drugs, "disease": kb.diseases, "cytokine": kb.cytokines}[kind]
        id_col = f"{kind}_id"
        names = dict(zip(table.name, table[id_col], strict=True))
        for display in index.suggest(q, n=limit):
            out.append({"kind": kind, "id": names.get(display, display), "name": display})
    return envelope(kb, suggestions=out[:limit])


class PatientQuery:
    """Patient fields as query parameters (all optional; none given: the typical patient)."""

    def __init__(
        self,
        egfr: Annotated[float | None, Query(description="eGFR, mL/min/1.73 m2")] = None,
        crcl: Annotated[float | None, Query(description="creatinine clearance, mL/min")] = None,
        child_pugh: Annotated[str | None, Query(max_length=8, description="A, B or C")] = None,
        with_drug: Annotated[
            list[str] | None,
            Query(alias="with", max_length=MAX_NAME, description="interacting drug (repeat)"),
        ] = None,
        cyp2c19: Annotated[str | None, Query(max_length=40)] = None,
        weight_kg: Annotated[float | None, Query()] = None,
        age_years: Annotated[float | None, Query()] = None,
        sex: Annotated[str | None, Query(max_length=10)] = None,
    ):
        self.values = (egfr, crcl, child_pugh, with_drug, cyp2c19, weight_kg, age_years, sex)

    def patient(self):
        """The Patient, or None (PatientError, a ValueError, answers 422)."""
        from jakpath.exposure.patient import patient_from_options

        if self.values[3] and len(self.values[3]) > MAX_PATHWAYS:
            raise ValueError(f"at most {MAX_PATHWAYS} interacting drugs per request")
        return patient_from_options(*self.values)


PatientParams = Annotated[PatientQuery, Depends()]


def _patient_payload(df: pd.DataFrame) -> dict:
    if "patient" not in df.columns:
        return {}
    effects = df.attrs.get("patient_effects")
    return {
        "patient": df.patient.iloc[0],
        "patient_effects": records(effects) if effects is not None else [],
        "label_recommendations": df.attrs.get("label_recommendations", []),
    }


@router.get("/simulate", response_model=None, responses=ok(SimulateResponse))
def simulate_endpoint(
    drug: Name,
    regimen: Name,
    kb: KB,
    patient_q: PatientParams,
    days: Annotated[float, Query(gt=0, le=MAX_DAYS)] = 1.0,
    step_h: Annotated[float, Query(gt=0, le=24)] = 0.25,
    single: bool = False,
) -> dict:
    """Concentration over time (steady state unless ``single``).

    Patient parameters (eGFR, CrCL, Child-Pugh, interacting drugs, CYP2C19, weight, age, sex)
    apply cited covariate effects; the label's dose recommendation comes back with the rows.
    """
    if days * 24.0 / step_h > MAX_POINTS:
        raise ValueError(
            f"too many time points ({days * 24 / step_h:.0f} > {MAX_POINTS}): "
            "raise step_h or lower days"
        )
    patient = patient_q.patient()
    reg = parse_regimen(regimen)
    if single:
        reg = reg.with_doses(max(1, math.ceil(days * 24.0 / reg.interval_h)))
    df = simulate(drug, reg, days=days, step_h=step_h, kb=kb, patient=patient)
    return envelope(
        kb,
        regimen=df.regimen.iloc[0],
        pk_models=df.attrs.get("pk_models", {}),
        rows=records(df.drop(columns="regimen_index")),
        warnings=reg.flags,
        **_patient_payload(df),
    )


def _pathway_list(pathways: str | None) -> list[str] | None:
    if not pathways:
        return None
    items = [p.strip() for p in pathways.split(",") if p.strip()]
    if len(items) > MAX_PATHWAYS:
        raise ValueError(f"at most {MAX_PATHWAYS} pathways per request")
    return items


@router.get("/inhibition", response_model=None, responses=ok(InhibitionResponse))
def inhibition_endpoint(
    drug: Name,
    regimen: Name,
    kb: KB,
    patient_q: PatientParams,
    pathways: Annotated[str | None, Query(max_length=2000)] = None,
    course: bool = False,
) -> dict:
    """Steady-state daily metrics per pathway (and the 24-h course when ``course``).

    Patient parameters as for ``/simulate``.
    """
    patient = patient_q.patient()
    df = inhibition(drug, regimen, _pathway_list(pathways), kb=kb, patient=patient)
    payload = {
        "warnings": parse_regimen(regimen).flags,
        "rows": records(df),
        **_patient_payload(df),
    }
    if course:
        from jakpath.exposure.model import pk_model, resolve_formulations
        from jakpath.exposure.patient import apply_patient
        from jakpath.exposure.regimen import parse_regimen as _parse
        from jakpath.inhibition.pathways import pathway_inhibition_course

        drug_id = kb.drug_names.resolve(drug)
        (reg,), _ = resolve_formulations(drug, [_parse(regimen).with_doses(None)], kb)
        model = pk_model(drug_id, reg.formulation, kb)
        if patient is not None:
            model, _ = apply_patient(model, patient, kb)
        t = np.linspace(0, reg.interval_h, 97)
        inh, _, _ = pathway_inhibition_course(kb, drug_id, [reg], list(df.cytokine), t, model)
        conc = simulate(drug, reg, times_h=t, kb=kb, include_metabolites=False, patient=patient)
        payload["course"] = {
            "time_h": t.tolist(),
            "conc_total_nM": conc.conc_total_nM.tolist(),
            "inhibition": {c: inh[0, :, j].tolist() for j, c in enumerate(df.cytokine)},
        }
    return envelope(kb, **payload)


@router.get("/potency/{drug}", response_model=None, responses=ok(PotencyResponse))
def potency(drug: PathName, kb: KB) -> dict:
    """Potency used per pathway, with tier, basis, sources and uncertainty."""
    return envelope(kb, rows=records(potency_table(kb, drug)))


def _rank_lock(request: Request, key) -> threading.Lock:
    """The lock of one ranking: the same disease is computed once, others run in parallel."""
    state = request.app.state
    with state.rank_lock:
        return state.rank_locks.setdefault(key, threading.Lock())


MAX_PATIENT_RANKINGS = 64
"""Most patient-specific rankings (computed and encoded) the app keeps; the oldest go first.

The typical-patient rankings are bounded by the number of diseases; patient values are not,
so their entries are bounded here (a client cannot fill the memory with distinct patients)."""


def _evict_patient_rankings(request: Request, cache: dict) -> None:
    """Drop the oldest patient-specific entries beyond :data:`MAX_PATIENT_RANKINGS` per kind."""
    state = request.app.state
    for kind in (lambda k: k[0] == "rank-json", lambda k: k[0] != "rank-json"):
        keys = [k for k in list(cache) if k[-1] is not None and kind(k)]
        for key in keys[: max(0, len(keys) - MAX_PATIENT_RANKINGS)]:
            cache.pop(key, None)
            with state.rank_lock:
                state.rank_locks.pop(key, None)


def cached_rank(
    request: Request, kb: KnowledgeBase, disease_id: str, stability: bool, patient=None
):
    """A disease's ranking from the app's own evidence store, computed once per app and key.

    The key holds the patient (a frozen, hashable ``Patient``; None: the typical patient).
    The cache is replaced (not cleared) after an evidence write, so a ranking computed
    from the old evidence while the write happened lands in the discarded cache.
    """
    cache = request.app.state.rank_cache
    key = (disease_id, stability, patient)
    ranked = cache.get(key)  # held locally: another request may evict the entry meanwhile
    if ranked is None:
        store = get_store(request)
        with _rank_lock(request, key):
            ranked = cache.get(key)
            if ranked is None:
                ranked = rank(disease_id, kb=kb, stability=stability, store=store, patient=patient)
                cache[key] = ranked
                if patient is not None:
                    _evict_patient_rankings(request, cache)
    return ranked


def invalidate_rankings(app) -> None:
    """Drop every cached ranking (the evidence they were computed from has changed)."""
    app.state.rank_cache = {}


@router.get("/rank", response_model=None, responses=ok(RankResponse))
def rank_endpoint(
    request: Request,
    disease: Name,
    kb: KB,
    patient_q: PatientParams,
    top: Annotated[int | None, Query(ge=1, le=200)] = None,
    stability: bool = False,
) -> Response:
    """Candidates ranked for a disease, every score component kept.

    Patient parameters as for ``/simulate``: every candidate's exposure is adjusted where its
    model or label has the covariate (flagged where not); the label's dose recommendation for
    the patient is in the row's flags.
    """
    from jakpath.exposure.patient import resolve_interacting_drug

    did = kb.disease_names.resolve(disease)
    patient = patient_q.patient()
    for name in patient.interacting_drugs if patient is not None else ():
        resolve_interacting_drug(name, kb)  # an unknown name: 422 with the closest known
    key = ("rank-json", did, stability, top, patient)
    cache = request.app.state.rank_cache
    encoded = cache.get(key)
    if encoded is None:  # the encoded answer is cached too: a repeat costs no work
        df = cached_rank(request, kb, did, stability, patient)
        if top:
            df = df.head(top)
        extra = {"patient": df.attrs.get("patient", "")} if patient is not None else {}
        body = envelope(
            kb,
            disease_id=did,
            burden_penalty=df.attrs.get("burden_penalty"),
            rows=records(df),
            **extra,
        )
        encoded = cache[key] = json.dumps(body).encode()
        if patient is not None:
            _evict_patient_rankings(request, cache)
    return Response(encoded, media_type="application/json")


@router.get("/explain", response_model=None, responses=ok(Envelope))
def explain_endpoint(request: Request, disease: Name, drug: Name, regimen: Name, kb: KB) -> dict:
    """How each term of a candidate's score arose, in words and as records."""
    out = explain(disease, drug, regimen, kb=kb, store=get_store(request))
    return envelope(kb, text=out["text"], sections=json_safe(out["sections"], infinity="null"))


# -- evidence --------------------------------------------------------------------------------
MAX_RECORDS = 500
"""Most records per evidence write request (larger imports go through the CLI)."""


def get_store(request: Request):
    """The app's evidence store (opened once per app; default the user's store)."""
    from jakpath.evidence import open_store

    with request.app.state.store_lock:  # never the ranking lock: a slow ranking stalls nothing
        if request.app.state.store is None:
            request.app.state.store = open_store(
                request.app.state.store_url, kb=request.app.state.kb
            )
    return request.app.state.store


_BEARER = HTTPBearer(auto_error=False, description="JAKPATH_API_TOKEN, set by the operator")


def require_token(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)] = None,
) -> str:
    """The account of the bearer token; 401 without a token, 403 with a wrong one.

    The app's guard already answers unauthorised writes before their body is read; this
    check repeats it for the route itself. The account recorded in ``added_by`` is the
    token's (``JAKPATH_API_ACCOUNT``, default ``api``), never one the client names.
    """
    from fastapi import HTTPException

    from jakpath.web.app import AUTH_CHALLENGE, token_problem

    raw = request.headers.get("authorization")
    problem = token_problem(request.app.state.token, raw.encode("latin-1") if raw else None)
    if problem:
        status, message = problem
        headers = {"WWW-Authenticate": AUTH_CHALLENGE} if status == 401 else None
        raise HTTPException(status, message, headers=headers)
    return request.app.state.account


@router.get("/evidence", response_model=None, responses=ok(RowsResponse))
def evidence_list(
    request: Request,
    kb: KB,
    disease: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
    drug: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
    study_type: Annotated[Literal[STUDY_TYPES] | None, Query()] = None,
    outcome: Annotated[Literal[OUTCOMES] | None, Query()] = None,
) -> dict:
    """Evidence records (shipped and user-added) matching the filters."""
    from jakpath.evidence import list_cases

    df = list_cases(
        disease=disease, drug=drug, study_type=study_type, outcome=outcome, store=get_store(request)
    )
    return envelope(kb, rows=records(df.astype(object).where(df.notna(), None)))


@router.get("/evidence/summary", response_model=None, responses=ok(RowsResponse))
def evidence_summary_endpoint(request: Request, disease: Name, kb: KB) -> dict:
    """Counts and response proportions per drug with exact binomial intervals."""
    from jakpath.evidence import summary

    return envelope(kb, rows=records(summary(disease, store=get_store(request))))


TOKEN_ROUTES = frozenset({("POST", "/api/evidence")})
"""(method, path) of the routes that need the bearer token: the app's guard checks it
before reading the request body (keep in step with the routes using ``require_token``)."""


@router.post(
    "/evidence",
    status_code=201,
    response_model=None,
    responses={**WRITE_ERRORS, **ok(EvidenceAdded, 201)},
)
def evidence_add(
    request: Request,
    kb: KB,
    body: EvidenceRecord | list[EvidenceRecord],
    account: Annotated[str, Depends(require_token)],
) -> dict:
    """Add one record or a list of records (atomically: all or none); token required.

    Any invalid record (a field, a reserved ``kb:`` id, a ``case_id`` taken by a different
    record) means nothing is stored; the 422 answer lists every problem by record index.
    """
    items = [b.raw() for b in (body if isinstance(body, list) else [body])]
    if not items or len(items) > MAX_RECORDS:
        raise ValueError(f"send 1 to {MAX_RECORDS} records per request")
    for i, item in enumerate(items):
        for key, value in item.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"record {i}.{key}: {value} is not a JSON number; omit or null")
    store = get_store(request)
    results = store.add_many(items, added_by=account)
    if any(r.added for r in results):
        invalidate_rankings(request.app)
    return envelope(
        kb,
        added=[r.case_id for r in results if r.added],
        already_stored=[r.case_id for r in results if not r.added],
    )
