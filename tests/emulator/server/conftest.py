"""Fixtures for server tests: a real emulator server on a free loopback port and clients."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.config import Config

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from eventwire_emulator.wire import SubscriptionPolicy

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / ".artifacts"
BIN = Path(sys.executable).parent
# Short subscriptions keep SubscribeToShard tests (and server stops) quick.
FAST_SUBSCRIPTION = SubscriptionPolicy(duration=3.0, poll_interval=0.05, heartbeat=0.5)


def make_client(url: str, **config: object) -> KinesisClient:
    """A boto3 Kinesis client for `url` with dummy credentials and no retries."""
    # The options go to botocore unchecked; the stubs type each one.
    settings = Config(retries={"total_max_attempts": 1}, **config)  # type: ignore[arg-type]
    return boto3.session.Session().client(
        "kinesis",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=settings,
    )


def client_env(**extra: str) -> dict[str, str]:
    """Environment for a client subprocess: dummy credentials, a region, no user config."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "LOCALSTACK_", "EVENTWIRE_"))
    }
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


@pytest.fixture
def kinesis() -> Kinesis:
    return Kinesis(quotas=True)


@pytest.fixture
def server(kinesis: Kinesis) -> Iterator[EmulatorServer]:
    with EmulatorServer(kinesis, port=0, subscription=FAST_SUBSCRIPTION) as running:
        yield running


@pytest.fixture
def client(server: EmulatorServer) -> Iterator[KinesisClient]:
    kinesis_client = make_client(server.url)
    yield kinesis_client
    kinesis_client.close()
