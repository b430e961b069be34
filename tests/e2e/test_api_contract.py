"""The OpenAPI description is what the API answers: schemathesis against the real server.

Bounded: a few valid and invalid examples per operation with a fixed seed (derandomized), on
SQLite and PostgreSQL, asserting no 5xx, only documented status codes and content types, and bodies
matching the documented schemas (ErrorBody for every 4xx).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from auth_kit import TOKENS, bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = 25


def test_every_answer_is_documented_and_none_is_a_server_error(base_url: str) -> None:
    auth = bearer(TOKENS[base_url]["admin"])
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", headers=auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
               | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base_url, checks=CHECKS, headers=auth)

        conforms()
