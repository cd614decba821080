"""The server's background warm-up fills the ranking cache with what a request would compute."""

import pandas as pd
from fastapi.testclient import TestClient

from jakpath.matching import rank
from jakpath.web import create_app
from jakpath.web.app import warm_up


def test_warm_up_ranks_like_a_request(tmp_path):
    store_url = f"sqlite:///{tmp_path / 'evidence.db'}"
    app = create_app(store_url=store_url)
    assert warm_up(app, ["dermatomyositis", "alopecia_areata"]) == 2
    cached = app.state.rank_cache[("dermatomyositis", False, None)]  # (disease, stability, patient)
    fresh = rank("dermatomyositis", kb=app.state.kb, stability=False, store=app.state.store)
    pd.testing.assert_frame_equal(cached, fresh)
    page = TestClient(app).get("/disease/dermatomyositis")
    assert page.status_code == 200 and "tofacitinib" in page.text


def test_warm_up_default_order_puts_seed_diseases_first(tmp_path):
    app = create_app(store_url=f"sqlite:///{tmp_path / 'evidence.db'}")
    kb = app.state.kb
    seeds = set(kb.diseases[kb.diseases.seed_disease == "yes"].disease_id)
    seeds &= set(kb.disease_drivers.disease_id)
    n = warm_up(app, None)
    order = [key[0] for key in app.state.rank_cache]
    assert n == len(order) > len(seeds)
    assert set(order[: len(seeds)]) == seeds
    assert warm_up(create_app(store_url=f"sqlite:///{tmp_path / 'other.db'}")) == 0
