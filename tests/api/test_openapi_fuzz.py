"""Schemathesis against the running API: for every operation in /openapi.json, generated
requests find no server error and no answer outside the documented schema (a bounded number
of examples a operation, so this stays well under a minute)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from tests.api.conftest import Api, later

# Per operation: the whole run stays well under a minute. A longer hunt:
# SCHEDULING_FUZZ_EXAMPLES=500 pytest tests/api/test_openapi_fuzz.py
EXAMPLES = int(os.environ.get("SCHEDULING_FUZZ_EXAMPLES", "25"))
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def fuzz_target(api: Api) -> tuple[Api, str]:
    """The API with some rows to find, and an admin key that the fuzzing cannot spend."""
    account = api.account()
    key = api.key("admin", rate_limit="1000000/hour")
    http = api.client(key)
    for n in range(3):
        http.post(
            "/api/v1/scheduling/tasks",
            json={"account_id": account, "content": f"fuzz {n}", "at": later(n + 1)},
        )
    return api, key


def test_the_api_keeps_its_schema(fuzz_target: tuple[Api, str]) -> None:
    api, key = fuzz_target
    loaded = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) >= 20, "every endpoint is in the schema"
    # Retraining needs a Dagster webserver (503 without one); tests/api/test_retrain.py
    # starts one. Its only input is the Idempotency-Key, fuzzed on every other POST.
    operations = [o for o in operations if not o.path.endswith("/ml-model/retrain")]

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def keeps_its_schema(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=api.url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS
            )

        keeps_its_schema()
