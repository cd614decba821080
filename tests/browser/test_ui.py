"""The web UI in real headless Chromium: pages, the simulator, ranking -> explanation, exports."""

import pytest

PAGES = ["/", "/disease/dermatomyositis", "/drug/baricitinib", "/simulate", "/compare", "/evidence"]


@pytest.mark.parametrize("path", PAGES)
def test_each_page_loads_with_disclaimer_and_no_errors(page, server_url, path):
    page.goto(server_url + path)
    page.wait_for_load_state("networkidle")
    assert "not medical advice" in page.inner_text("#disclaimer")
    assert page.console_errors == []


def test_plots_render_offline(page, server_url):
    page.goto(server_url + "/disease/dermatomyositis")
    page.wait_for_selector("#coverage-plot .main-svg", timeout=20_000)
    page.goto(server_url + "/drug/tofacitinib")
    page.wait_for_selector("#potency-plot .main-svg", timeout=20_000)
    page.wait_for_selector("#pk-plot .main-svg", timeout=20_000)


def _conc(page):
    return page.evaluate("document.getElementById('conc-plot').data[0].y")


def test_simulator_updates_without_reload_and_shares_its_url(page, server_url):
    page.goto(server_url + "/simulate?drug=tofacitinib&dose=5&interval=12&pathways=IL6,IL2")
    page.wait_for_selector("#metrics tbody tr", timeout=20_000)
    before = _conc(page)
    page.evaluate("window.__marker = 'same page'")
    page.fill("#dose", "10")
    page.dispatch_event("#dose", "change")
    page.wait_for_function(
        "(b) => JSON.stringify(document.getElementById('conc-plot').data[0].y) !== b",
        arg=str(before).replace(" ", ""),
        timeout=20_000,
    )
    after = _conc(page)
    assert max(after) == pytest.approx(2 * max(before), rel=1e-6)  # linear PK
    assert page.evaluate("window.__marker") == "same page"  # no reload
    assert "dose=10" in page.url
    shared = page.url
    page.goto(shared)
    page.wait_for_selector("#metrics tbody tr", timeout=20_000)
    assert max(_conc(page)) == pytest.approx(max(after), rel=1e-9)


def test_slider_moves_the_plot(page, server_url):
    page.goto(server_url + "/simulate?drug=baricitinib&dose=2&interval=24&pathways=IL6")
    page.wait_for_selector("#metrics tbody tr", timeout=20_000)
    before = max(_conc(page))
    page.evaluate("""() => { const s = document.getElementById('dose-slider');
                             s.value = '8'; s.dispatchEvent(new Event('input')); }""")
    page.wait_for_function(
        "(b) => Math.max(...document.getElementById('conc-plot').data[0].y) > 3 * b",
        arg=before,
        timeout=20_000,
    )


def test_ranking_links_to_its_explanation(page, server_url):
    page.goto(server_url + "/disease/hidradenitis_suppurativa")
    first = page.locator("#ranking a.explain").first
    drug = page.locator("#ranking tbody tr").first.get_attribute("data-drug")
    first.click()
    page.wait_for_selector("#explanation")
    text = page.inner_text("#explanation")
    assert drug in text.lower() or drug.capitalize() in text
    assert "What drives" in text and "not medical advice" in text


def test_export_csv_download(page, server_url):
    page.goto(server_url + "/disease/psoriasis")
    with page.expect_download() as info:
        page.click("#export-csv")
    path = info.value.path()
    content = open(path).read()
    header = content.splitlines()[0]  # no comment line: the first line is the header
    assert "direct_coverage" in header and "data_version" in header


def test_compare_draws_grouped_bars(page, server_url):
    page.goto(server_url + "/compare")
    page.click("#compare-go")
    page.wait_for_selector("#compare-plot .main-svg", timeout=30_000)
    assert page.evaluate("document.getElementById('compare-plot').data.length") == 3


def test_search_suggests(page, server_url):
    page.goto(server_url + "/")
    page.fill("#search", "dermato")
    page.wait_for_selector("#suggestions li", timeout=10_000)
    assert "Dermatomyositis" in page.inner_text("#suggestions")


def test_entered_script_is_shown_as_text(page, server_url):
    import httpx

    from .conftest import TOKEN

    record = {
        "disease_id": "lichen_planus",
        "drug_id": "tofacitinib",
        "regimen_text": "5 mg bid",
        "n_patients": 1,
        "study_type": "case_report",
        "outcome": "partial",
        "doi": "10.1000/xss-test",
        "outcome_text": "<script>window.__pwned = 1; alert('x')</script> improved",
        "source_ids": "user_report",
    }
    r = httpx.post(
        server_url + "/api/evidence", json=record, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 201, r.text
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server_url + "/evidence?disease=lichen_planus")
    page.wait_for_load_state("networkidle")
    cells = page.locator("#evidence td.outcome").all_inner_texts()
    assert any("<script>window.__pwned = 1; alert('x')</script>" in c for c in cells)
    assert dialogs == []
    assert page.evaluate("window.__pwned === undefined")


def test_add_record_form_needs_the_token(page, server_url):
    page.goto(server_url + "/evidence")
    page.fill("input[name=disease_id]", "vitiligo")
    page.fill("input[name=drug_id]", "ruxolitinib")
    page.fill("input[name=doi]", "10.1000/form-test")
    page.fill("input[name=token]", "wrong")
    page.click("#add-go")
    page.wait_for_function("document.getElementById('add-status').textContent.length > 0")
    assert "invalid token" in page.inner_text("#add-status")


def test_api_docs_render_from_the_apps_own_assets(page, server_url):
    failed, finished = [], []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("requestfinished", lambda r: finished.append(r.url))
    page.goto(server_url + "/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert "/api/rank" in page.inner_text(".swagger-ui")
    page.goto(server_url + "/redoc")
    page.wait_for_selector("[data-section-id]", timeout=20_000)
    assert "/api/rank" in page.inner_text("body")
    # every asset comes from the app; nothing reaches another host (ReDoc's footer logo
    # from its CDN is blocked by the Content-Security-Policy)
    assert [u for u in failed if u.startswith(server_url)] == []
    assert [u for u in finished if u.startswith("http") and not u.startswith(server_url)] == []
