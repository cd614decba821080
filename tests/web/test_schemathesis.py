"""Property-based API fuzzing against the OpenAPI schema: no 5xx on any generated request."""

import pytest
import schemathesis
from hypothesis import HealthCheck, seed, settings

from jakpath.web import create_app

app = create_app(token="s3cret")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)

EXAMPLES_PER_OPERATION = 40
"""With ~17 operations this is over 500 generated requests per run (fixed seed)."""

COUNTER = {"requests": 0}


@seed(20261126)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case):
    response = case.call()
    COUNTER["requests"] += 1
    assert response.status_code < 500, (case.path, case.query, response.text[:500])
    if response.status_code >= 400:
        assert "error" in response.json()


def test_enough_requests_were_generated():
    # runs after the parametrized test in file order
    if COUNTER["requests"] == 0:
        pytest.fail("the fuzzing test did not run")
    assert COUNTER["requests"] >= 500, COUNTER
