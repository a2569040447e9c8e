"""The conformance suite against the emulator server, over HTTP, quotas on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from tests.conformance import checks
from tests.conformance.harness import CHECKS, Endpoint

assert checks  # the import registers the checks


@pytest.fixture(scope="module")
def conformance_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(Kinesis(quotas=True), port=0) as running:
        yield running


@pytest.fixture
def endpoint(conformance_server: EmulatorServer) -> Iterator[Endpoint]:
    under_test = Endpoint(conformance_server.url)
    yield under_test
    under_test.close()


class TestConformance:
    """The emulator server passes every conformance check."""

    @pytest.mark.parametrize("name", list(CHECKS))
    def test_check(self, endpoint: Endpoint, name: str) -> None:
        """One check from tests/conformance against the emulator's endpoint."""
        CHECKS[name](endpoint)

    def test_suite_is_not_empty(self) -> None:
        """The suite holds the checks the LocalStack comparison expects."""
        assert len(CHECKS) >= 20
