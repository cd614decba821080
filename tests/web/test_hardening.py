"""Hardening of the web app (issue 16): bodies, tokens, atomic writes, one store, no 500s."""

import json
import select
import socket
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient

from jakpath.web import create_app
from jakpath.web.app import MAX_BODY_BYTES

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _record(**changes):
    record = {
        "disease_id": "alopecia_areata",
        "drug_id": "tofacitinib",
        "regimen_text": "5 mg bid",
        "n_patients": 1,
        "study_type": "case_report",
        "outcome": "partial",
        "doi": "10.1000/hardening-test",
        "source_ids": "user_report",
    }
    record.update(changes)
    return record


@pytest.fixture()
def store_url(tmp_path):
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture()
def client(store_url):
    return TestClient(create_app(token=TOKEN, store_url=store_url))


def _count(client) -> int:
    return len(client.get("/api/evidence").json()["rows"])


# -- 1. no unauthenticated memory exhaustion ----------------------------------------------------
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = tmp_path_factory.mktemp("srv") / "srv.db"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(token=TOKEN, store_url=f"sqlite:///{store}"),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "server did not start"
        time.sleep(0.05)
    yield port
    srv.should_exit = True
    thread.join(timeout=10)


def _stream_chunked(port, headers: str, chunk_bytes=1_000_000, chunks=100):
    """Send a chunked body until the server answers; (status line, bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            (
                "POST /api/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Transfer-Encoding: chunked\r\n{headers}\r\n"
            ).encode()
        )
        chunk = f"{chunk_bytes:x}\r\n".encode() + b"x" * chunk_bytes + b"\r\n"
        for _ in range(chunks):
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except OSError:  # the server closed the connection after answering
                break
            sent += chunk_bytes
        else:
            try:
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass
        sock.settimeout(30)
        answer = b""
        while b"\r\n" not in answer:
            part = sock.recv(4096)
            if not part:
                break
            answer += part
    return answer.split(b"\r\n")[0].decode(), sent


def test_chunked_body_without_token_is_refused_before_reading(server):
    status, sent = _stream_chunked(server, "")
    assert " 401 " in status, status
    # answered before the body: far less than the 100 MB offered was sent
    assert sent < 10 * MAX_BODY_BYTES, sent


def test_chunked_body_over_the_limit_is_413_with_a_token(server):
    status, sent = _stream_chunked(server, f"Authorization: Bearer {TOKEN}\r\n")
    assert " 413 " in status, status
    assert sent < 10 * MAX_BODY_BYTES, sent


# -- 2. batch POST is all or nothing -------------------------------------------------------------
@pytest.mark.parametrize(
    "second",
    [
        _record(case_id="dup-1", outcome="none"),  # the first record's id, different content
        _record(case_id="kb:evil", outcome="complete"),  # reserved id
        _record(dose_mg="lots"),  # invalid field
    ],
)
def test_batch_post_is_atomic(client, second):
    before = _count(client)
    r = client.post("/api/evidence", json=[_record(case_id="dup-1"), second], headers=AUTH)
    assert r.status_code == 422, r.text
    assert _count(client) == before
    assert "record 1" in r.json()["error"]


def test_batch_post_stores_all_when_valid(client):
    before = _count(client)
    r = client.post(
        "/api/evidence",
        json=[_record(case_id="ok-1"), _record(case_id="ok-2", outcome="none")],
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    assert r.json()["added"] == ["ok-1", "ok-2"]
    assert _count(client) == before + 2


def test_batch_conflicting_with_stored_record_stores_nothing(client):
    assert (
        client.post("/api/evidence", json=_record(case_id="st-1"), headers=AUTH).status_code == 201
    )
    before = _count(client)
    r = client.post(
        "/api/evidence",
        json=[_record(case_id="st-2", outcome="complete"), _record(case_id="st-1", outcome="none")],
        headers=AUTH,
    )
    assert r.status_code == 422, r.text
    assert _count(client) == before
    assert "st-1" in r.json()["error"]


# -- 3. no 500s ----------------------------------------------------------------------------------
def test_non_ascii_bearer_token_is_403_json(client):
    r = client.post(
        "/api/evidence", json=_record(), headers={"Authorization": "Bearer sécret".encode()}
    )
    assert r.status_code == 403
    assert "invalid token" in r.json()["error"]
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_non_ascii_configured_token_matches_utf8_header(store_url):
    c = TestClient(create_app(token="sécret", store_url=store_url))
    r = c.post("/api/evidence", json=_record(), headers={"Authorization": "Bearer sécret".encode()})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "field", ["dose_mg", "n_patients", "age_years", "follow_up_weeks", "interval_h"]
)
def test_huge_json_integer_is_422(client, field):
    body = json.dumps(_record()).rstrip("}") + f', "{field}": {"9" * 400}}}'
    r = client.post(
        "/api/evidence", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]


@pytest.mark.parametrize("raw", ["true", "NaN", "Infinity"])
def test_boolean_and_nan_numbers_are_rejected(client, raw):
    body = json.dumps(_record()).rstrip("}") + f', "dose_mg": {raw}}}'
    before = _count(client)
    r = client.post(
        "/api/evidence", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert "dose_mg" in r.json()["error"]
    assert _count(client) == before


# -- 5. absurd regimens are refused, unusual ones flagged -----------------------------------------
@pytest.mark.parametrize(
    "regimen,fragment",
    [("1e308 mg qd", "accepted range"), ("5 mg every 1e-300h", "accepted range")],
)
@pytest.mark.parametrize("endpoint", ["simulate", "inhibition"])
def test_absurd_regimens_are_422_with_the_range(client, endpoint, regimen, fragment):
    r = client.get(f"/api/{endpoint}", params={"drug": "tofacitinib", "regimen": regimen})
    assert r.status_code == 422, r.text
    assert fragment in r.json()["error"]


def test_unusual_regimen_is_computed_and_flagged(client):
    r = client.get("/api/simulate", params={"drug": "tofacitinib", "regimen": "5 mg every 2h"})
    assert r.status_code == 200
    body = r.json()
    assert any("unusual interval" in w for w in body["warnings"])
    assert all(row["conc_total_nM"] is not None for row in body["rows"])
    usual = client.get("/api/simulate", params={"drug": "tofacitinib", "regimen": "5 mg bid"})
    assert usual.json()["warnings"] == []


# -- 6. a slow ranking does not stall the store ---------------------------------------------------
def test_slow_ranking_does_not_stall_evidence_reads(client, monkeypatch):
    import jakpath.web.api as api

    started, release = threading.Event(), threading.Event()
    real_rank = api.rank

    def slow_rank(*args, **kwargs):
        started.set()
        release.wait(30)
        return real_rank(*args, **kwargs)

    monkeypatch.setattr(api, "rank", slow_rank)
    assert client.get("/api/evidence").status_code == 200  # store opened
    ranking = threading.Thread(target=client.get, args=("/api/rank?disease=vitiligo",))
    ranking.start()
    try:
        assert started.wait(30)
        t0 = time.perf_counter()
        r = client.get("/api/evidence?disease=vitiligo")
        elapsed = time.perf_counter() - t0
    finally:
        release.set()
        ranking.join(60)
    assert r.status_code == 200
    assert elapsed < 5.0, elapsed


# -- 7. one evidence store per app -----------------------------------------------------------------
def _evidence_records(client, disease, drug):
    rows = client.get(f"/api/rank?disease={disease}").json()["rows"]
    return max(r["evidence_records"] for r in rows if r["drug"] == drug)


def test_rank_and_explain_read_the_apps_store_and_see_writes(client):
    disease, drug = "vitiligo", "baricitinib"
    before = _evidence_records(client, disease, drug)
    r = client.post(
        "/api/evidence",
        json=_record(disease_id=disease, drug_id=drug, doi="10.1000/own-store"),
        headers=AUTH,
    )
    assert r.status_code == 201, r.text
    assert _evidence_records(client, disease, drug) == before + 1  # cache invalidated
    ex = client.get(
        "/api/explain", params={"disease": disease, "drug": drug, "regimen": "4 mg qd"}
    ).json()
    assert ex["sections"]["evidence"][0]["records"] == before + 1


def test_explain_takes_the_store():
    import inspect

    from jakpath.matching import explain, rank

    assert "store" in inspect.signature(explain).parameters
    assert "store" in inspect.signature(rank).parameters


# -- 10. headers, pages, docs ---------------------------------------------------------------
def test_401_has_www_authenticate(client):
    r = client.post("/api/evidence", json=_record())
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_405_has_allow(client):
    r = client.delete("/api/version")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]
    assert "error" in r.json()
    both = client.request("OPTIONS", "/api/evidence")
    assert both.status_code == 405
    assert {m.strip() for m in both.headers["allow"].split(",")} == {"GET", "POST"}


def test_account_is_the_tokens_not_a_header(client):
    r = client.post(
        "/api/evidence",
        json=_record(case_id="acct-1"),
        headers={**AUTH, "X-Jakpath-Account": "someone-else"},
    )
    assert r.status_code == 201
    rows = client.get("/api/evidence").json()["rows"]
    assert next(x for x in rows if x["case_id"] == "acct-1")["added_by"] == "api"


def test_unknown_disease_page_is_an_html_404_for_a_browser(client):
    r = client.get("/evidence?disease=unknownitis", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "unknownitis" in r.text and "not medical advice" in r.text
    api = client.get("/api/evidence?disease=unknownitis", headers={"Accept": "text/html"})
    assert api.status_code == 404 and "error" in api.json()


def test_docs_assets_are_served_by_the_app(client):
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "cdn" not in html.lower()
        for src in ("/static-vendor/swagger-ui-bundle.js", "/static-vendor/redoc.standalone.js"):
            if src in html:
                assert client.get(src).status_code == 200
    assert client.get("/static-vendor/swagger-ui.css").status_code == 200
    assert client.get("/static-vendor/nothing.js").status_code == 404


def test_openapi_documents_error_responses_and_enums(client):
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/evidence"]["post"]
    assert {"401", "403", "413", "422"} <= set(post["responses"])
    get = spec["paths"]["/api/drugs/{name}"]["get"]
    assert "404" in get["responses"]
    params = {p["name"]: p for p in spec["paths"]["/api/evidence"]["get"]["parameters"]}
    assert "enum" in json.dumps(params["outcome"]["schema"])


def test_every_token_route_is_guarded_before_its_body(client):
    from jakpath.web.api import TOKEN_ROUTES

    spec = client.get("/openapi.json").json()
    writes = {
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE")
    }
    assert writes == set(TOKEN_ROUTES)


def test_an_unexpected_error_is_json_with_security_headers(store_url):
    app = create_app(token=TOKEN, store_url=store_url)

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("boom")

    r = TestClient(app, raise_server_exceptions=False).get("/api/boom")
    assert r.status_code == 500
    assert r.json()["error"].startswith("internal error")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
