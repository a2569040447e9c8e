"""The eventwire command line: tail's decode rate and publish's rate against the emulator server.

Beside each, a bare boto3 loop does the same over the same server: ``get_records``
(10,000 a call, shard after shard, nothing decoded beyond what boto3 does) and
``put_records`` (500 a call). ``publish`` paces at the shards' write quotas
(1,000 records/s each, as on AWS) unless told ``--no-pace``; both are measured. The
server runs in its own process with quotas off.
``eventwire`` runs as the console script, as a user runs it; its start-up (imports,
plugins, client) is measured on an empty stream and reported apart, and the rates
are of the records alone. Target: tail decodes >= 20,000 records/s (typed, through
the registry, as JSON lines); the ratios to the bare loops say how much of the
server's speed the command keeps.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3

RECORDS = 50_000
SHARDS = 4
RUNS = 3
TARGET_TAIL = 20_000
ROOT = Path(__file__).resolve().parents[1]
EVENTWIRE = str(Path(sys.executable).parent / "eventwire")
TYPE = "com.example.bench.tick.v1"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EVENTWIRE_"))}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION="us-east-1",
        AWS_ENDPOINT_URL_KINESIS=url,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def _documents() -> list[bytes]:
    return [
        json.dumps(
            {
                "specversion": "1.0",
                "type": TYPE,
                "source": "/bench",
                "id": str(uuid.uuid4()),
                "time": "2026-12-01T09:30:00Z",
                "partitionkey": f"key-{n}",
                "data": {"key": f"key-{n}", "n": n, "label": "x" * 40},
            },
            separators=(",", ":"),
        ).encode()
        for n in range(RECORDS)
    ]


def _client(url: str) -> Any:
    return boto3.session.Session().client(
        "kinesis",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _bare_put(client: Any, stream: str, documents: list[bytes]) -> float:
    started = time.perf_counter()
    for start in range(0, len(documents), 500):
        chunk = documents[start : start + 500]
        answer = client.put_records(
            StreamName=stream,
            Records=[{"Data": d, "PartitionKey": f"key-{start + i}"} for i, d in enumerate(chunk)],
        )
        assert answer["FailedRecordCount"] == 0
    return len(documents) / (time.perf_counter() - started)


def _bare_get(client: Any, stream: str) -> float:
    started = time.perf_counter()
    count = 0
    for shard in client.list_shards(StreamName=stream)["Shards"]:
        iterator = client.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while True:
            answer = client.get_records(ShardIterator=iterator, Limit=10_000)
            count += len(answer["Records"])
            if not answer["Records"]:
                break
            iterator = answer["NextShardIterator"]
    assert count == RECORDS, count
    return count / (time.perf_counter() - started)


def _timed(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [EVENTWIRE, *args],
        input=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"eventwire {' '.join(args)} failed: {done.stderr.decode()}")
    return elapsed


def _server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "eventwire_emulator", "serve", "--port", "0", "--quotas", "off"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    match = re.search(r"http://[\d.]+:\d+", process.stdout.readline())
    assert match is not None
    return process, match.group(0)


def run() -> None:
    """Measure and print; each figure is the median of ``RUNS`` runs."""
    documents = _documents()
    payload = b"\n".join(documents) + b"\n"
    process, url = _server()
    try:
        client = _client(url)
        env = _env(url)
        rates: dict[str, list[float]] = {}
        for run_number in range(RUNS):
            bare_stream, cli_stream, empty = (f"{n}-{run_number}" for n in ("bare", "cli", "empty"))
            for name in (bare_stream, cli_stream, empty):
                client.create_stream(StreamName=name, ShardCount=SHARDS)
            startup = _timed(["tail", empty, "--json"], env)
            rates.setdefault("startup (s)", []).append(startup)
            rates.setdefault("boto3 put_records", []).append(
                _bare_put(client, bare_stream, documents)
            )
            paced_stream = f"paced-{run_number}"
            client.create_stream(StreamName=paced_stream, ShardCount=SHARDS)
            paced = _timed(["publish", paced_stream, "-q"], env, stdin=payload)
            rates.setdefault("eventwire publish (paced)", []).append(
                RECORDS / max(paced - startup, 1e-3)
            )
            publish = _timed(["publish", cli_stream, "-q", "--no-pace"], env, stdin=payload)
            rates.setdefault("eventwire publish --no-pace", []).append(
                RECORDS / max(publish - startup, 1e-3)
            )
            rates.setdefault("boto3 get_records", []).append(_bare_get(client, bare_stream))
            tail_json = _timed(
                ["tail", cli_stream, "--json", "--import", "benchmarks.cli_events"], env
            )
            rates.setdefault("eventwire tail --json (typed)", []).append(
                RECORDS / max(tail_json - startup, 1e-3)
            )
            tail_pretty = _timed(["tail", cli_stream, "--import", "benchmarks.cli_events"], env)
            rates.setdefault("eventwire tail (pretty, typed)", []).append(
                RECORDS / max(tail_pretty - startup, 1e-3)
            )
        client.close()
    finally:
        process.terminate()
        process.wait(10)
    median = {name: statistics.median(values) for name, values in rates.items()}
    print(f"{RECORDS:,} records of {len(documents[0])} bytes, {SHARDS} shards, median of {RUNS}")
    print(f"  eventwire start-up (tail on an empty stream): {median['startup (s)']:.2f} s")
    for name, value in median.items():
        if name != "startup (s)":
            print(f"  {name:<32} {value:>10,.0f} records/s")
    put_ratio = median["eventwire publish --no-pace"] / median["boto3 put_records"]
    get_ratio = median["eventwire tail --json (typed)"] / median["boto3 get_records"]
    tail_rate = median["eventwire tail --json (typed)"]
    print(f"  publish --no-pace / boto3 put_records loop: {put_ratio:.2f}")
    quota = SHARDS * 1000
    paced_ratio = median["eventwire publish (paced)"] / quota
    print(f"  publish (paced) / the {SHARDS} shards' write quota ({quota:,}/s): {paced_ratio:.2f}")
    print(f"  tail --json / boto3 get_records loop: {get_ratio:.2f}")
    verdict = "met" if tail_rate >= TARGET_TAIL else "NOT met"
    print(f"  target tail >= {TARGET_TAIL:,} records/s decoded: {verdict} ({tail_rate:,.0f})")
