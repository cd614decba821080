"""The disease page as served (no browser): rows, explain links, numbered citations."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from jakpath.kb import load_kb
from jakpath.web import create_app


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(token="s3cret"))


def _explain_links(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'class="explain" href="([^"]+)"', text)]


def test_each_row_links_to_its_own_explanation(client):
    text = client.get("/disease/dermatomyositis").text
    rows = client.get("/api/rank?disease=dermatomyositis").json()["rows"]
    links = _explain_links(text)
    assert len(links) == len(rows)
    for link, row in zip(links, rows, strict=True):
        q = parse_qs(urlsplit(link).query)
        assert q == {
            "disease": ["dermatomyositis"],
            "drug": [row["drug"]],
            "regimen": [row["regimen"]],
        }
    xr = next(link for link, row in zip(links, rows, strict=True) if " XR" in row["regimen"])
    r = client.get(xr)
    assert r.status_code == 200
    assert "XR" in r.text and "not medical advice" in r.text


def test_citations_are_numbered_and_link_to_their_sources(client):
    kb = load_kb()
    text = client.get("/disease/dermatomyositis").text
    drivers = kb.driver_weights("dermatomyositis")
    ids = list(dict.fromkeys(x for s in drivers.source_ids for x in s.split(";")))
    refs = re.findall(r'<li id="ref-(\d+)">', text)
    assert refs == [str(i) for i in range(1, len(ids) + 1)]  # one entry per source, numbered
    for sid in ids:
        src = kb.sources.set_index("source_id").loc[sid]
        if src.doi:
            assert f"https://doi.org/{src.doi}" in text
    for cyt in drivers.cytokine_id:
        assert f">{cyt}</a>" in text


def test_approved_badge_for_a_disease_with_approvals(client):
    text = client.get("/disease/alopecia_areata").text
    assert 'class="badge approved">approved for Alopecia areata' in text
    assert "score = coverage + evidence" in text
