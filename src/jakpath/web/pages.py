"""Server-rendered pages (Jinja2, autoescaped); interactive parts fetch the JSON API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode, urlsplit

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from jakpath import __version__
from jakpath.formats import csv_text
from jakpath.inhibition.potency import potency_table
from jakpath.matching import explain
from jakpath.matching.scoring import AXIS_WEIGHTS, EVIDENCE_POINTS, SUMMARY_COLUMNS
from jakpath.notice import DISCLAIMER, NOTICE_HEADER, SHORT_DISCLAIMER
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


FLAG_KINDS = (("boxed warning", "boxed"), ("dose-limiting", "dose-limiting"))
"""Flag text prefixes and their badge style on the disease page (anything else: ``other``)."""

_WHERE = re.compile(r"^(?P<what>.*) \((?P<agency>[^()]+)\)$")


def _source_link(row: dict) -> tuple[str, str]:
    """The best link to a source and its short text: DOI, then PubMed, then its URL."""
    doi, pmid, url = (str(row.get(k) or "") for k in ("doi", "pmid", "url"))
    if doi and doi != "nan":
        return f"https://doi.org/{doi}", f"doi:{doi}"
    if pmid and pmid != "nan":
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/", f"PMID:{pmid}"
    if url.startswith(("http://", "https://")):
        return url, urlsplit(url).netloc
    return "", ""


def _locations(source_ids: list[str], location: str) -> dict[str, str]:
    """``"sid: where; sid2: where"`` split per source (an unprefixed location applies to all)."""
    out: dict[str, str] = {}
    for part in (location or "").split("; "):
        sid, sep, where = part.partition(": ")
        if sep and sid in source_ids:
            out[sid] = where
    if not out and location:
        out = dict.fromkeys(source_ids, location)
    return out


def _drivers_and_references(kb, drivers: pd.DataFrame) -> tuple[list[dict], list[dict]]:
    """Drivers with numbered citations, and the numbered references (first use first)."""
    sources = kb.sources.set_index("source_id")
    names = dict(zip(kb.cytokines.cytokine_id, kb.cytokines.name, strict=True))
    refs: dict[str, dict] = {}
    out = []
    for d in drivers.itertuples():
        ids = [x for x in str(d.source_ids).split(";") if x]
        where = _locations(ids, str(d.location or ""))
        numbers = []
        for sid in ids:
            if sid not in refs:
                row = sources.loc[sid].to_dict() if sid in sources.index else {}
                link, link_text = _source_link(row)
                refs[sid] = {
                    "n": len(refs) + 1,
                    "source_id": sid,
                    "citation": row.get("citation") or sid,
                    "link": link,
                    "link_text": link_text,
                    "cited_for": [],
                }
            refs[sid]["cited_for"].append(
                d.cytokine_id + (f" ({where[sid]})" if sid in where else "")
            )
            numbers.append(refs[sid])
        out.append(
            {
                "cytokine_id": d.cytokine_id,
                "name": names.get(d.cytokine_id, d.cytokine_id),
                "weight": float(d.weight),
                "rank": d.rank,
                "certainty": d.certainty,
                "rule": getattr(d, "rule", ""),
                "refs": sorted(numbers, key=lambda ref: ref["n"]),
            }
        )
    return out, list(refs.values())


def _flag(text: str) -> dict:
    """A flag as a badge: its kind (style), short label and the detail after the colon."""
    kind = next((k for prefix, k in FLAG_KINDS if text.startswith(prefix)), "other")
    label, sep, detail = text.partition(": ")
    return {"kind": kind, "label": label if sep else text, "detail": detail, "text": text}


def _approvals(kb, text: str) -> list[str]:
    """``"ra (FDA); ra (EMA); uc (FDA)"`` -> ``["Rheumatoid arthritis (FDA, EMA)", ...]``."""
    names = dict(zip(kb.diseases.disease_id, kb.diseases.name, strict=True))
    grouped: dict[str, list[str]] = {}
    for part in str(text or "").split("; "):
        m = _WHERE.match(part)
        what, agency = (m["what"], m["agency"]) if m else (part, "")
        if not what:
            continue
        agencies = grouped.setdefault(names.get(what, what), [])
        if agency and agency not in agencies:
            agencies.append(agency)
    return [f"{k} ({', '.join(v)})" if v else k for k, v in grouped.items()]


def _ranking_rows(kb, disease_id: str, ranked: pd.DataFrame) -> list[dict]:
    """One summary row per candidate, values as shown (two decimals), with its explain link."""
    drug_names = dict(zip(kb.drugs.drug_id, kb.drugs.name, strict=True))
    rows = []
    for r in ranked.to_dict("records"):
        approvals = [] if r["approved_for_disease"] else _approvals(kb, r["approved_for"])
        rows.append(
            {
                "rank": int(r["rank"]),
                "drug": r["drug"],
                "drug_name": drug_names.get(r["drug"], r["drug"]),
                "regimen": r["regimen"],
                "score": r["score"],
                "axes": [
                    {"name": "coverage", "value": r["coverage"]},
                    {"name": "evidence", "value": r["evidence"]},
                    {"name": "safety", "value": r["safety"]},
                ],
                "evidence_level": r["evidence_level"],
                "evidence_records": int(r["evidence_records"]),
                "evidence_patients": int(r["evidence_patients"]),
                "approved_for_disease": bool(r["approved_for_disease"]),
                "approved_elsewhere": approvals,
                "uses": r.get("uses", ""),
                "flags": [_flag(f) for f in r["flags"]],
                "explain_url": "/explain?"
                + urlencode({"disease": disease_id, "drug": r["drug"], "regimen": r["regimen"]}),
                "evidence_url": "/evidence?"
                + urlencode({"disease": disease_id, "drug": r["drug"]}),
            }
        )
    return rows


def _score_formula(weights: dict) -> str:
    """The combined score in words, e.g. ``coverage + evidence - safety``."""

    def term(axis: str, name: str) -> str:
        w = weights[axis]
        return name if w == 1 else f"{w:g} \u00d7 {name}"

    return (
        f"{term('mechanism', 'coverage')} + {term('evidence', 'evidence')} "
        f"\u2212 {term('safety', 'safety')}"
    )


@router.get("/disease/{name}", response_class=HTMLResponse)
def disease_page(request: Request, name: PathName, kb: KB):
    """A clinician's summary of the disease's candidates.

    Drivers with numbered citations, candidates on three axes with flags and a link to each
    explanation, notes, then the evidence and the coverage plot.
    """
    d = kb.disease(name)
    drivers, references = _drivers_and_references(kb, kb.driver_weights(d.disease_id))
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
        drivers=drivers,
        references=references,
        ranking=_ranking_rows(kb, d.disease_id, ranked) if len(ranked) else [],
        notes=ranked.attrs.get("notes", []) if len(ranked) else [],
        formula=_score_formula(ranked.attrs.get("axis_weights", AXIS_WEIGHTS)),
        evidence_levels=list(EVIDENCE_POINTS),
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


SIM_INTERVALS_H = (24.0, 12.0, 8.0)
"""Dosing intervals offered by the simulator's select (a regimen with another one adds it)."""

CYP2C19_PHENOTYPES = ("poor", "intermediate", "normal", "rapid", "ultrarapid")
"""CYP2C19 phenotypes offered by the simulator (as ``jakpath.exposure.patient`` accepts)."""


@router.get("/simulate", response_class=HTMLResponse)
def simulate_page(
    request: Request,
    kb: KB,
    regimen: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
):
    """Regimen simulator: controls update the plots without a page reload.

    ``regimen`` (e.g. ``5 mg bid``) presets dose, interval and formulation; the patient
    fields (``egfr``, ``crcl``, ``child_pugh``, ``with``, ``cyp2c19``, ``weight_kg``,
    ``age_years``, ``sex``) are read from the query string by the page's script. A regimen
    that cannot be read leaves the defaults and is reported on the page.
    """
    from jakpath.exposure.regimen import parse_regimen

    drugs = kb.pk_models[kb.pk_models.chosen == "yes"].drug_id.unique()
    drugs = [
        x for x in sorted(drugs) if x in set(kb.drugs[kb.drugs.status != "metabolite"].drug_id)
    ]
    preset = {"dose": "5", "interval": "12", "formulation": ""}
    regimen_error = ""
    if regimen:
        try:
            reg = parse_regimen(regimen)
        except ValueError as exc:
            regimen_error = f"regimen {regimen!r}: {exc}"
        else:
            preset = {
                "dose": f"{reg.dose_mg:g}",
                "interval": f"{reg.interval_h:g}",
                "formulation": reg.formulation if reg.formulation_given else "",
            }
    intervals = [f"{h:g}" for h in SIM_INTERVALS_H]
    if preset["interval"] not in intervals:
        intervals.append(preset["interval"])
    return _page(
        request,
        "simulate.html",
        kb,
        drugs=drugs,
        preset=preset,
        intervals=intervals,
        regimen_error=regimen_error,
        cyp2c19_phenotypes=CYP2C19_PHENOTYPES,
    )


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
    """The ranking shown on a disease page, as CSV with a data_version column.

    The CSV has no comment line (any tool reads it without options); the research-use notice
    travels in the ``X-Jakpath-Notice`` header.
    """
    did = kb.disease_names.resolve(disease)
    return Response(
        csv_text(_ranked(request, kb, did), kb.version),
        media_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="jakpath_rank_{did}.csv"',
            NOTICE_HEADER: SHORT_DISCLAIMER,
        },
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
