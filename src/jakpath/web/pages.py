"""Server-rendered pages (Jinja2, autoescaped); interactive parts fetch the JSON API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from jakpath import __version__
from jakpath.inhibition.potency import potency_table
from jakpath.matching import explain
from jakpath.matching.scoring import SUMMARY_COLUMNS
from jakpath.notice import DISCLAIMER
from jakpath.web.api import KB, MAX_NAME, Name, PathName, cached_rank, get_store

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)


RANK_COLUMNS = list(SUMMARY_COLUMNS)


def _page(request: Request, name: str, kb, **context) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "disclaimer": DISCLAIMER,
            "data_version": kb.version,
            "code_version": __version__,
            **context,
        },
    )


def render_error(
    request: Request, status: int, title: str, message: str, suggestions: list[str]
) -> HTMLResponse:
    """An error page (autoescaped) for a browser, with the closest known names if any."""
    from jakpath.kb import load_kb

    kb = getattr(request.app.state, "kb", None) or load_kb()
    response = _page(
        request,
        "error.html",
        kb,
        status=status,
        title=title,
        message=message,
        suggestions=suggestions,
    )
    response.status_code = status
    return response


def _ranked(request: Request, kb, disease_id: str) -> pd.DataFrame:
    return cached_rank(request, kb, disease_id, False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, kb: KB):
    """Search and the lists of diseases and drugs."""
    return _page(
        request,
        "home.html",
        kb,
        diseases=kb.diseases.to_dict("records"),
        drugs=kb.drugs[kb.drugs.status != "metabolite"].to_dict("records"),
    )


@router.get("/disease/{name}", response_class=HTMLResponse)
def disease_page(request: Request, name: PathName, kb: KB):
    """Ranking with every component, coverage vs burden, drivers with sources, evidence."""
    d = kb.disease(name)
    drivers = kb.driver_weights(d.disease_id)
    drivers = drivers.assign(citation=[kb.cite(s) for s in drivers.source_ids])
    ranked = _ranked(request, kb, d.disease_id) if len(drivers) else pd.DataFrame()
    from jakpath.evidence import list_cases, summary

    store = get_store(request)
    cases = list_cases(disease=d.disease_id, store=store)
    cases = cases.astype(object).where(cases.notna(), "")
    return _page(
        request,
        "disease.html",
        kb,
        disease=d,
        drivers=drivers.to_dict("records"),
        ranking=ranked[RANK_COLUMNS].to_dict("records") if len(ranked) else [],
        columns=RANK_COLUMNS,
        cases=cases.to_dict("records"),
        summary=summary(d.disease_id, store=store).to_dict("records"),
    )


@router.get("/drug/{name}", response_class=HTMLResponse)
def drug_page(request: Request, name: PathName, kb: KB):
    """Potency profile (tiers shown), PK at each approved regimen, approvals and warnings."""
    d = kb.drug(name)
    pots = potency_table(kb, d.drug_id)
    appr = kb.approvals[kb.approvals.drug_id == d.drug_id]
    boxed = kb.boxed_warnings[kb.boxed_warnings.drug_id == d.drug_id]
    regimens = sorted(
        {
            f"{r.dose_mg:g} mg every {r.interval_h:g}h" + (" XR" if r.formulation == "XR" else "")
            for r in appr.itertuples()
            if r.dose_mg == r.dose_mg
            and r.interval_h == r.interval_h
            and r.formulation != "topical"
        }
    )
    return _page(
        request,
        "drug.html",
        kb,
        drug=d,
        potency=pots.to_dict("records"),
        approvals=appr.to_dict("records"),
        boxed=boxed.to_dict("records"),
        regimens=regimens,
    )


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(request: Request, kb: KB):
    """Regimen simulator: controls update the plots without a page reload."""
    drugs = kb.pk_models[kb.pk_models.chosen == "yes"].drug_id.unique()
    drugs = [
        x for x in sorted(drugs) if x in set(kb.drugs[kb.drugs.status != "metabolite"].drug_id)
    ]
    return _page(request, "simulate.html", kb, drugs=drugs)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, kb: KB):
    """Two to four regimens side by side."""
    return _page(request, "compare.html", kb)


@router.get("/evidence", response_class=HTMLResponse)
def evidence_page(
    request: Request,
    kb: KB,
    disease: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
    drug: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
):
    """Browse and filter evidence records (shipped and user-added); add one with a token."""
    from jakpath.evidence import list_cases

    cases = list_cases(disease=disease or None, drug=drug or None, store=get_store(request))
    cases = cases.astype(object).where(cases.notna(), "")
    return _page(
        request,
        "evidence.html",
        kb,
        cases=cases.to_dict("records"),
        disease=disease or "",
        drug=drug or "",
    )


@router.get("/explain", response_class=HTMLResponse)
def explain_page(request: Request, disease: Name, drug: Name, regimen: Name, kb: KB):
    """The plain-language explanation of one candidate."""
    out = explain(disease, drug, regimen, kb=kb, store=get_store(request))
    return _page(
        request, "explain.html", kb, text=out["text"], disease=disease, drug=drug, regimen=regimen
    )


@router.get("/export/rank.csv")
def rank_csv(request: Request, disease: Name, kb: KB):
    """The ranking shown on a disease page, as CSV with the data version."""
    did = kb.disease_names.resolve(disease)
    buf = io.StringIO()
    buf.write(f"# jakpath data version {kb.version}; research use, not medical advice\n")
    _ranked(request, kb, did).to_csv(buf, index=False)
    return Response(
        buf.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="jakpath_rank_{did}.csv"'},
    )


@router.get("/report/{name}.html", response_class=HTMLResponse)
def report(request: Request, name: PathName, kb: KB):
    """A self-contained HTML report: ranking, explanations of the top candidates, citations."""
    d = kb.disease(name)
    ranked = _ranked(request, kb, d.disease_id)
    top = ranked.head(3)
    explanations = [
        explain(d.disease_id, r.drug, r.regimen, kb=kb, store=get_store(request))["text"]
        for r in top.itertuples()
    ]
    drivers = kb.driver_weights(d.disease_id)
    ids = sorted({x for s in drivers.source_ids for x in s.split(";")})
    sources = kb.sources[kb.sources.source_id.isin(ids)].to_dict("records")
    response = _page(
        request,
        "report.html",
        kb,
        disease=d,
        columns=RANK_COLUMNS,
        ranking=ranked[RANK_COLUMNS].to_dict("records"),
        explanations=explanations,
        sources=sources,
    )
    response.headers["Content-Disposition"] = (
        f'inline; filename="jakpath_report_{d.disease_id}.html"'
    )
    return response
