"""The disease page in headless Chromium at 1280 px: a summary that fits, every row explained."""

import re

import pytest

WIDTH, HEIGHT = 1280, 800
TWO_DECIMALS = re.compile(r"^-?\d+\.\d\d$")


@pytest.fixture
def wide_page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    pg = context.new_page()
    yield pg
    context.close()


def _load(page, url):
    page.goto(url)
    # wait for the plot too: the layout is final only once Plotly has drawn
    page.wait_for_selector("#coverage-plot .main-svg", timeout=30_000)


def test_no_horizontal_scrolling_at_1280(wide_page, server_url):
    _load(wide_page, server_url + "/disease/dermatomyositis")
    assert wide_page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    # nor inside the ranking: no cell's content is wider than its cell
    overflowing = wide_page.evaluate(
        """[...document.querySelectorAll('#ranking td, #ranking th')]
             .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim())"""
    )
    assert overflowing == []


def test_every_row_links_to_its_explanation(wide_page, server_url):
    _load(wide_page, server_url + "/disease/dermatomyositis")
    rows = wide_page.locator("#ranking tbody tr")
    n = rows.count()
    assert n >= 5
    regimens = set()
    for i in range(n):
        row = rows.nth(i)
        links = row.locator("a.explain")
        assert links.count() == 1
        regimen = row.get_attribute("data-regimen")
        regimens.add(regimen)
        r = wide_page.request.get(server_url + links.get_attribute("href"))
        assert r.status == 200, (row.get_attribute("data-drug"), regimen, r.text()[:300])
        body = r.text()
        # the explanation is of this very candidate: its rank among the same candidates
        rank = row.locator("td.rank").inner_text().strip()
        assert f"rank {rank} of {n} candidates" in body
        assert regimen in body
    assert any(r.endswith(" XR") for r in regimens)  # regimens with spaces and a formulation


def test_rows_show_three_axes_two_decimals_and_flag_badges(wide_page, server_url):
    _load(wide_page, server_url + "/disease/dermatomyositis")
    api = wide_page.request.get(server_url + "/api/rank?disease=dermatomyositis").json()["rows"]
    rows = wide_page.locator("#ranking tbody tr")
    assert rows.count() == len(api)
    for i, want in enumerate(api):
        row = rows.nth(i)
        assert row.get_attribute("data-drug") == want["drug"]
        for axis in ("coverage", "evidence", "safety"):
            shown = row.locator(f"td.{axis} .num").inner_text()
            assert TWO_DECIMALS.match(shown)
            assert float(shown) == pytest.approx(want[axis], abs=0.005)
            assert row.locator(f"td.{axis} .bar .fill").count() == 1
        assert TWO_DECIMALS.match(row.locator("td.score").inner_text().strip())
        badges = row.locator("td.flags .badge")
        assert badges.count() == len(want["flags"])
        boxed = [f for f in want["flags"] if f.startswith("boxed warning")]
        assert row.locator("td.flags .badge.boxed").count() == len(boxed)
        approved = row.locator(".badge.approved").count() == 1
        assert approved == want["approved_for_disease"]


def test_citations_are_numbered_and_open_the_references(wide_page, server_url):
    _load(wide_page, server_url + "/disease/dermatomyositis")
    assert not wide_page.locator("#references").evaluate("d => d.open")
    first = wide_page.locator("#drivers .cites a").first
    n = first.inner_text()
    first.click()
    wide_page.wait_for_function("document.getElementById('references').open")
    ref = wide_page.locator(f"#ref-{n}")
    assert ref.is_visible()
    assert ref.locator("a").first.get_attribute("href").startswith("https://")
    assert "not medical advice" in wide_page.inner_text("#how-to-read")
