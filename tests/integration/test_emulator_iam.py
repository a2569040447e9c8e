"""The README's least-privilege policy, enforced by the emulator server with SigV4 on.

The Kinesis backend publishes through a real ``eventwire-emulator serve --auth sigv4``
process that verifies each signature and authorizes each call against exactly the
policy the README shows (its JSON block, with the placeholders filled in).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventwire import PermissionDeniedError, PublishFailure, PublishReceipt
from eventwire.backends import Record
from eventwire_kinesis import KinesisBackend

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET = "AKIDPUBLISHER", "publisher-secret"


def readme_policy() -> dict[str, Any]:
    """The least-privilege policy of the README, for stream orders in us-east-1."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"least-privilege IAM policy.*?```json\n(.*?)```", text, re.DOTALL)
    assert block is not None, "the README no longer shows the least-privilege policy"
    filled = (
        block.group(1)
        .replace("REGION", "us-east-1")
        .replace("ACCOUNT_ID", "000000000000")
        .replace("STREAM_NAME", "orders")
    )
    policy: dict[str, Any] = json.loads(filled)
    return policy


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)


def serve(policy: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({KEY: policy}), encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eventwire_emulator",
            "serve",
            "--port",
            "0",
            "--auth",
            "sigv4",
            "--credentials",
            f"{KEY}:{SECRET}",
            "--policy",
            str(path),
            "--stream",
            "orders:2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        assert "auth sigv4" in line, line
        yield line.split("Kinesis API on ")[1].split()[0]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()


def records(count: int) -> list[Record]:
    return [Record(b'{"n":%d}' % n, f"key-{n}", event_id=f"e-{n}") for n in range(count)]


class TestLeastPrivilege:
    """Exactly the README's policy lets the backend publish; without PutRecords it cannot."""

    def test_readme_policy_publishes(self, tmp_path: Path) -> None:
        for url in serve(readme_policy(), tmp_path):
            with KinesisBackend("orders", endpoint_url=url, region="us-east-1") as backend:
                receipt = backend.publish(records(1)[0])
                batch = backend.publish_many(records(5))
            assert isinstance(receipt, PublishReceipt)
            assert all(isinstance(result, PublishReceipt) for result in batch), batch

    def test_without_put_records(self, tmp_path: Path) -> None:
        policy = readme_policy()
        for statement in policy["Statement"]:
            if isinstance(statement["Action"], list):
                statement["Action"] = [a for a in statement["Action"] if a != "kinesis:PutRecords"]
        for url in serve(policy, tmp_path):
            with KinesisBackend("orders", endpoint_url=url, region="us-east-1") as backend:
                assert isinstance(backend.publish(records(1)[0]), PublishReceipt)
                results = backend.publish_many(records(3))
            failure = results[0]
            assert isinstance(failure, PublishFailure)
            assert isinstance(failure.error, PermissionDeniedError)
            assert "kinesis:PutRecords" in str(failure.error)
