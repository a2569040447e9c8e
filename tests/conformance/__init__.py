"""A Kinesis conformance suite, written from the API reference, for any endpoint URL."""

import pytest

# Detailed assertion messages in the checks, also when a runner records failures.
pytest.register_assert_rewrite("tests.conformance.checks", "tests.conformance.harness")
