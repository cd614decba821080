"""Patient options over HTTP: /api/rank takes them (cached per patient, bounded), the simulator
page presets a regimen and carries the patient fields.

Independent facts used (Olumiant US label, section 2 and 12.3: baricitinib is cleared mainly by
the kidney, its AUC rises with renal impairment and it is not recommended below eGFR 30;
Xeljanz US label, section 2 Table 1: 5 mg once daily with strong CYP3A4 inhibitors such as
ketoconazole, which raise tofacitinib AUC about 2-fold).
"""

import pytest
from fastapi.testclient import TestClient

from jakpath.web import api, create_app


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(token="s3cret"))


def _rows(body):
    return {(r["drug"], r["regimen"]): r for r in body["rows"]}


def test_rank_with_low_egfr_raises_baricitinib_exposure_and_flags_the_label(client):
    typical = client.get("/api/rank", params={"disease": "alopecia areata"})
    renal = client.get("/api/rank", params={"disease": "alopecia areata", "egfr": 20})
    assert typical.status_code == renal.status_code == 200, renal.text
    assert "patient" not in typical.json() and renal.json()["patient"] == "eGFR 20"
    t, r = _rows(typical.json()), _rows(renal.json())
    bari = ("baricitinib", "4 mg qd")
    # renally cleared: more exposure -> more inhibition of the drivers and more safety burden
    assert r[bari]["coverage"] > t[bari]["coverage"]
    assert r[bari]["safety"] > t[bari]["safety"]
    assert any("label: baricitinib not recommended" in f for f in r[bari]["flags"])
    assert not any(f.startswith("label:") for f in t[bari]["flags"])


def test_rank_with_a_strong_cyp3a4_inhibitor_flags_the_tofacitinib_label_dose(client):
    typical = _rows(client.get("/api/rank", params={"disease": "alopecia areata"}).json())
    keto = _rows(
        client.get(
            "/api/rank", params={"disease": "alopecia areata", "with": "ketoconazole"}
        ).json()
    )
    tofa = ("tofacitinib", "5 mg bid")
    assert keto[tofa]["coverage"] > typical[tofa]["coverage"]
    assert any("5 mg once daily" in f and "CYP3A4" in f for f in keto[tofa]["flags"])


def test_a_patient_ranking_does_not_replace_the_typical_one(client):
    first = client.get("/api/rank", params={"disease": "vitiligo"}).content
    client.get("/api/rank", params={"disease": "vitiligo", "egfr": 35, "child_pugh": "b"})
    assert client.get("/api/rank", params={"disease": "vitiligo"}).content == first
    # the patient is part of the key: the same patient again is the same answer
    a = client.get("/api/rank", params={"disease": "vitiligo", "egfr": 35, "child_pugh": "B"})
    assert a.json()["patient"] == "eGFR 35; Child-Pugh B"
    assert a.content != first


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"egfr": -5}, "not possible"),
        ({"egfr": "abc"}, "egfr"),
        ({"child_pugh": "E"}, "Child-Pugh"),
        ({"with": "ketokonazole"}, "ketoconazole"),
        ({"cyp2c19": "slow"}, "CYP2C19"),
        ({"sex": "x"}, "sex"),
    ],
)
def test_rank_bad_patient_input_is_422_json(client, params, fragment):
    r = client.get("/api/rank", params={"disease": "alopecia areata", **params})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert fragment in r.json()["error"]


def test_patient_rankings_are_bounded(monkeypatch):
    app = create_app()
    c = TestClient(app)
    monkeypatch.setattr(api, "MAX_PATIENT_RANKINGS", 2)
    for egfr in (20, 30, 40, 50):
        assert c.get("/api/rank", params={"disease": "vitiligo", "egfr": egfr}).status_code == 200
    c.get("/api/rank", params={"disease": "vitiligo"})
    keys = list(app.state.rank_cache)
    patient_keys = [k for k in keys if k[-1] is not None]
    assert len([k for k in patient_keys if k[0] == "rank-json"]) == 2
    assert len([k for k in patient_keys if k[0] != "rank-json"]) == 2
    assert {k[-1].egfr for k in patient_keys} == {40, 50}  # the newest kept
    assert any(k[-1] is None for k in keys)  # the typical ranking is never evicted


def test_simulator_page_presets_the_regimen_and_has_the_patient_fields(client):
    r = client.get("/simulate", params={"drug": "tofacitinib", "regimen": "5 mg bid"})
    assert r.status_code == 200
    html = r.text
    assert 'id="dose" type="number" min="0.1" max="1000" step="0.1" value="5"' in html
    assert '<option value="12" selected>' in html
    for name in ("egfr", "crcl", "child_pugh", "with", "cyp2c19", "weight_kg", "age_years", "sex"):
        assert f'name="{name}"' in html  # the names /api/simulate reads


def test_simulator_page_with_an_unreadable_regimen_still_renders(client):
    r = client.get("/simulate", params={"regimen": "5 mL bid"}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert 'id="regimen-error"' in r.text and "defaults shown" in r.text
    r = client.get("/simulate", params={"regimen": "100 mg weekly"})
    assert '<option value="168" selected>' in r.text
