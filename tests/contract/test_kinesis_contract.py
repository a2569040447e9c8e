"""The backend contract, run against KinesisBackend on the emulator's in-process boto3 client."""

from __future__ import annotations

import pytest
from botocore.config import Config

from eventwire_emulator.boto import client
from eventwire_emulator.model import Kinesis
from eventwire_kinesis import KinesisBackend, RetryPolicy
from tests.contract.contract import BackendContract, MakeBackend


class TestKinesisContract(BackendContract):
    """KinesisBackend over a real boto3 client served by the emulator in-process."""

    @pytest.fixture
    def kinesis_model(self, stream_name: str, shard_count: int) -> Kinesis:
        kinesis = Kinesis()
        kinesis.create_stream(stream_name, shard_count)
        return kinesis

    @pytest.fixture
    def make_backend(self, kinesis_model: Kinesis) -> MakeBackend:
        # botocore's own retries off: the backend's retry policy is what is under test.
        boto = client(kinesis_model, config=Config(retries={"total_max_attempts": 1}))

        def make(stream: str) -> KinesisBackend:
            return KinesisBackend(
                stream, client=boto, retry=RetryPolicy(max_attempts=3), sleep=lambda _: None
            )

        return make
