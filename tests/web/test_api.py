"""HTTP API: every endpoint answers with citations and the data version; bad input is 4xx."""

import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from jakpath.web import create_app
from jakpath.web.app import MAX_BODY_BYTES


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(token="s3cret"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/version",
        "/api/validation",
        "/api/drugs",
        "/api/drugs/Rinvoq",
        "/api/cytokines",
        "/api/cytokines/IL-15",
        "/api/diseases",
        "/api/diseases/Dermatomyositis",
        "/api/sources/agarwal2023_jdd",
        "/api/search?q=tofa",
        "/api/simulate?drug=tofacitinib&regimen=5 mg bid",
        "/api/inhibition?drug=baricitinib&regimen=4 mg qd&pathways=IL6,EPO&course=true",
        "/api/potency/upadacitinib",
        "/api/rank?disease=dermatomyositis&top=5",
        "/api/explain?disease=psoriasis&drug=deucravacitinib&regimen=6 mg qd",
    ],
)
def test_read_endpoints(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["data_version"] and "not medical advice" in body["disclaimer"]
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_entities_carry_citations(client):
    body = client.get("/api/diseases/dermatomyositis").json()
    assert body["drivers"] and all(d["source_ids"] for d in body["drivers"])
    assert any(s.get("doi") or s.get("pmid") or s.get("url") for s in body["sources"])


def test_inhibition_course_and_metrics(client):
    body = client.get(
        "/api/inhibition",
        params={"drug": "tofacitinib", "regimen": "5 mg bid", "pathways": "IL2", "course": True},
    ).json()
    row = body["rows"][0]
    course = body["course"]["inhibition"]["IL2"]
    assert min(course) <= row["mean_inhibition"] <= max(course)
    assert row["tier"] and row["basis"]


def test_rank_is_cached_and_decomposed(client):
    a = client.get("/api/rank?disease=vitiligo").json()
    b = client.get("/api/rank?disease=Vitiligo").json()
    assert a["rows"] == b["rows"]
    assert {"direct_coverage", "indirect_coverage", "burden_total", "evidence_level"} <= set(
        a["rows"][0]
    )


@pytest.mark.parametrize(
    "url,status,fragment",
    [
        ("/api/drugs/tofacitnib", 404, "Tofacitinib"),
        ("/api/diseases/DM", 404, "Dermatomyositis"),
        ("/api/simulate?drug=tofacitinib&regimen=0 mg", 422, "positive"),
        ("/api/simulate?drug=tofacitinib&regimen=5 mL bid", 422, "unit"),
        ("/api/simulate?drug=pacritinib&regimen=200 mg bid", 422, "no PK model"),
        ("/api/simulate?drug=tofacitinib&regimen=5 mg bid&days=1000", 422, "days"),
        (
            "/api/simulate?drug=tofacitinib&regimen=5 mg bid&days=20&step_h=0.001",
            422,
            "time points",
        ),
        ("/api/inhibition?drug=tofacitinib&regimen=5 mg bid&pathways=IL17A", 422, "JAK"),
        ("/api/rank?disease=" + "x" * 500, 422, "disease"),
        ("/api/simulate?drug=tofacitinib", 422, "regimen"),
        ("/api/nope", 404, "Not Found"),
    ],
)
def test_bad_input_is_4xx_json(client, url, status, fragment):
    r = client.get(url)
    assert r.status_code == status, r.text
    assert fragment in r.json()["error"]


def test_suggestions_for_wrong_names(client):
    body = client.get("/api/drugs/baricitnib").json()
    assert body["suggestions"][0] == "Baricitinib"


def test_oversized_body_is_413(client):
    r = client.post("/api/version", content=b"x" * (MAX_BODY_BYTES + 1))
    assert r.status_code == 413
    assert "larger" in r.json()["error"]


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    assert "/api/rank" in spec["paths"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/disease/dermatomyositis",
        "/drug/baricitinib",
        "/simulate",
        "/compare",
        "/evidence",
        "/evidence?drug=tofacitinib",
        "/explain?disease=vitiligo&drug=ruxolitinib&regimen=10 mg bid",
        "/report/psoriasis.html",
    ],
)
def test_pages_say_not_medical_advice(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert "not medical advice" in r.text
    assert "cdn" not in r.text.lower()


def test_rank_csv_reads_without_options_and_carries_version_and_notice(client):
    import io

    r = client.get("/export/rank.csv?disease=psoriasis")
    assert r.status_code == 200
    assert "not medical advice" in r.headers["x-jakpath-notice"]
    df = pd.read_csv(io.StringIO(r.text))  # no comment line: plain pandas reads it
    assert set(df.data_version) == {client.get("/api/version").json()["data_version"]}
    assert {"drug", "coverage", "direct_coverage"} <= set(df.columns)


def test_plotly_served_locally(client):
    r = client.get("/static-vendor/plotly.min.js")
    assert r.status_code == 200 and len(r.content) > 1_000_000


def test_disease_page_shows_evidence_summary_with_exact_intervals(client):
    from jakpath.evidence import clopper_pearson

    text = client.get("/disease/dermatomyositis").text
    assert 'id="evidence-summary"' in text
    body = client.get("/api/evidence/summary?disease=dermatomyositis").json()
    row = next(r for r in body["rows"] if r["drug_id"] == "tofacitinib")
    low, high = clopper_pearson(row["responders"], row["evaluable_patients"])
    assert row["response_ci_low"] == pytest.approx(low) and f"{low:.2f}" in text


def test_simulate_and_inhibition_accept_a_patient(client):
    body = client.get(
        "/api/simulate?drug=tofacitinib&regimen=5 mg bid&crcl=40&with=ketoconazole&weight_kg=60"
    ).json()
    assert "5 mg once daily" in " ".join(body["label_recommendations"])
    assert body["patient_effects"] and body["rows"][0]["patient"].startswith("CrCL 40")
    body = client.get(
        "/api/inhibition?drug=upadacitinib&regimen=15 mg qd&pathways=IL6&child_pugh=B&course=true"
    ).json()
    assert body["rows"][0]["formulation"] == "XR" and "course" in body


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("egfr=-5", "not possible"),
        ("child_pugh=E", "Child-Pugh"),
        ("with=ketokonazole", "ketoconazole"),
        ("cyp2c19=poor", "CYP2C19"),
    ],
)
def test_bad_patient_input_is_422(client, query, fragment):
    r = client.get(f"/api/simulate?drug=baricitinib&regimen=4 mg qd&{query}")
    assert r.status_code == 422, r.text
    assert fragment in r.json()["error"]


def test_report_names_the_mondo_id_once(client):
    r = client.get("/report/dermatomyositis.html")
    assert r.status_code == 200
    assert "MONDO:0016367" in r.text and "MONDO MONDO" not in r.text


def test_openapi_has_record_and_response_schemas(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/evidence"]["post"]["requestBody"]["content"]["application/json"]
    assert "EvidenceRecord" in json.dumps(body["schema"])
    record = spec["components"]["schemas"]["EvidenceRecord"]["properties"]
    assert {"disease_id", "drug_id", "dose_mg", "study_type", "doi"} <= set(record)
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            ok = op["responses"].get("201" if method == "post" else "200")
            schema = json.dumps(ok["content"]["application/json"]["schema"])
            assert "$ref" in schema, (method, path, schema)


@pytest.mark.parametrize(
    "url,model",
    [
        ("/api/rank?disease=psoriasis", "RankResponse"),
        ("/api/rank?disease=dermatomyositis&stability=true&top=3", "RankResponse"),
        ("/api/potency/tofacitinib", "PotencyResponse"),
        ("/api/inhibition?drug=tofacitinib&regimen=5 mg bid&course=true", "InhibitionResponse"),
        ("/api/inhibition?drug=baricitinib&regimen=2 mg qd&egfr=40", "InhibitionResponse"),
        ("/api/simulate?drug=tofacitinib&regimen=5 mg bid", "SimulateResponse"),
        ("/api/drugs", "RowsResponse"),
        ("/api/version", "Envelope"),
    ],
)
def test_answers_match_their_documented_models(client, url, model):
    from jakpath.web import models

    r = client.get(url)
    assert r.status_code == 200, r.text
    body = r.json()
    parsed = getattr(models, model).model_validate(body)
    # the model describes the answer; it does not change its keys
    assert set(parsed.model_dump(exclude_unset=True)) == set(body)
