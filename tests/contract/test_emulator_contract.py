"""The backend contract, run against the emulator's own in-process backend."""

from __future__ import annotations

import pytest

from eventwire_emulator import EmulatorBackend
from eventwire_emulator.model import Kinesis
from tests.contract.contract import BackendContract, MakeBackend


class TestEmulatorContract(BackendContract):
    """EmulatorBackend writing straight into the model."""

    @pytest.fixture
    def kinesis_model(self, stream_name: str, shard_count: int) -> Kinesis:
        kinesis = Kinesis()
        kinesis.create_stream(stream_name, shard_count)
        return kinesis

    @pytest.fixture
    def make_backend(self, kinesis_model: Kinesis) -> MakeBackend:
        def make(stream: str) -> EmulatorBackend:
            # The contract decides which streams exist; the backend must not create them.
            return EmulatorBackend(kinesis_model, stream=stream, create_stream=False)

        return make
