"""The simulator's Patient fields in real headless Chromium.

Independent facts: the Xeljanz US label (section 2 Table 1) recommends tofacitinib 5 mg once
daily for moderate or severe renal impairment and with strong CYP3A4 inhibitors such as
ketoconazole (section 12.3: ketoconazole raises tofacitinib AUC about 2-fold), so the
patient's concentrations lie above the typical patient's.
"""

START = "/simulate?drug=tofacitinib&regimen=5%20mg%20bid&pathways=IL6,IL2"


def _set(page, selector, value):
    page.fill(selector, value)
    page.dispatch_event(selector, "change")


def _peaks(page):
    return page.evaluate(
        "document.getElementById('conc-plot').data.map(t => [t.name, Math.max(...t.y)])"
    )


def test_patient_fields_show_the_label_recommendation_and_go_in_the_url(page, server_url):
    page.goto(server_url + START)
    page.wait_for_selector("#metrics tbody tr", timeout=20_000)
    assert page.is_hidden("#patient-result")
    page.evaluate("window.__marker = 'same page'")
    page.click("#patient-box summary")
    _set(page, "#p-egfr", "40")
    _set(page, "#p-with", "ketoconazole")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#label-recs li')].some(li =>"
        " li.textContent.includes('ketoconazole') || li.textContent.includes('CYP3A4'))",
        timeout=20_000,
    )
    recs = page.inner_text("#label-recs")
    assert "label: tofacitinib 5 mg once daily" in recs and "CYP3A4" in recs
    assert "renal" in recs
    assert page.inner_text("#patient-described") == "eGFR 40; with ketoconazole"
    assert page.locator("#patient-effects tbody tr").count() >= 2
    assert page.evaluate("window.__marker") == "same page"  # no reload
    url = page.url
    for part in ("drug=tofacitinib", "dose=5", "interval=12", "egfr=40", "with=ketoconazole"):
        assert part in url, url
    peaks = dict(_peaks(page))
    assert peaks["this patient"] > 1.3 * peaks["typical patient"]
    # the URL reproduces the view
    page.goto(url)
    page.wait_for_selector("#label-recs li.label-rec", timeout=20_000)
    assert page.evaluate("document.getElementById('patient-box').open")
    assert page.input_value("#p-egfr") == "40" and page.input_value("#p-with") == "ketoconazole"
    assert "CYP3A4" in page.inner_text("#label-recs")


def test_bad_patient_values_are_shown_inline_and_the_page_recovers(page, server_url):
    page.goto(server_url + START)
    page.wait_for_selector("#metrics tbody tr", timeout=20_000)
    page.click("#patient-box summary")
    _set(page, "#p-egfr", "-5")
    page.wait_for_selector("#sim-error:not([hidden])", timeout=20_000)
    assert "not possible" in page.inner_text("#sim-error")
    assert page.locator("#metrics tbody tr").count() == 0  # no stale result shown
    _set(page, "#p-egfr", "")
    _set(page, "#p-with", "ketokonazol")
    page.wait_for_function(
        "() => document.getElementById('sim-error').textContent.includes('ketoconazole')",
        timeout=20_000,
    )
    assert "Unknown interacting drug" in page.inner_text("#sim-error")
    _set(page, "#p-with", "ketoconazole")
    page.wait_for_selector("#label-recs li.label-rec", timeout=20_000)
    assert page.is_hidden("#sim-error")
    assert page.locator("#metrics tbody tr").count() == 2
    assert "not medical advice" in page.inner_text("#disclaimer")
