"""Without JAKPATH_TEST_PG_URL the PostgreSQL variants fail under CI and skip loudly outside."""

import pytest

from tests.evidence import conftest


def test_the_url_is_used_when_set():
    assert conftest.postgres_url("t", {"JAKPATH_TEST_PG_URL": "postgresql://x/y"}) == (
        "postgresql://x/y"
    )


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_missing_url_fails_under_ci(ci):
    with pytest.raises(pytest.fail.Exception, match="CI=true: PostgreSQL tests are required"):
        conftest.postgres_url("t", {"CI": ci})


def test_missing_url_outside_ci_skips_and_raises_the_banner(monkeypatch):
    monkeypatch.setattr(conftest, "_SKIPPED_PG", [])
    with pytest.raises(pytest.skip.Exception, match="NOT TESTED ON POSTGRESQL"):
        conftest.postgres_url("test_x[postgresql]", {})
    lines = []

    class Reporter:
        def write_sep(self, sep, title="", **kw):
            lines.append(title)

        def write_line(self, line, **kw):
            lines.append(line)

    conftest.pytest_terminal_summary(Reporter())
    text = "\n".join(lines)
    assert "POSTGRESQL NOT TESTED" in text
    assert "1 evidence-store test(s) were SKIPPED" in text
    assert ".ci/postgres.sh" in text


def test_no_banner_when_nothing_was_skipped(monkeypatch):
    monkeypatch.setattr(conftest, "_SKIPPED_PG", [])
    conftest.pytest_terminal_summary(None)  # returns before touching the reporter
