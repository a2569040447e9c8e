"""serve --data-dir: acknowledged records survive SIGKILL; one server per directory."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.emulator.server.conftest import client_env, make_client


@contextmanager
def server(data_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eventwire_emulator",
            "serve",
            "--port",
            "0",
            "--quotas",
            "off",
            "--create-delay",
            "0",
            "--data-dir",
            str(data_dir),
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=client_env(),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        line = process.stdout.readline()
        match = re.search(r"http://[\d.]+:\d+", line)
        assert match is not None, line + process.stderr.read()
        yield process, match.group(0)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        process.stdout.close()
        process.stderr.close()


def read_all(url: str, name: str) -> dict[str, bytes]:
    client = make_client(url)
    try:
        found: dict[str, bytes] = {}
        for shard in client.list_shards(StreamName=name)["Shards"]:
            iterator = client.get_shard_iterator(
                StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = client.get_records(ShardIterator=iterator, Limit=10_000)
                found.update({r["SequenceNumber"]: r["Data"] for r in page["Records"]})
                if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                    break
                iterator = page.get("NextShardIterator")
        return found
    finally:
        client.close()


@pytest.mark.parametrize("fsync", ["batch", "always"])
def test_sigkill_mid_write_keeps_every_acknowledged_record(tmp_path: Path, fsync: str) -> None:
    """Writers run while the server is SIGKILLed; a restart reads back all they were told."""
    acknowledged: dict[str, bytes] = {}
    lock = threading.Lock()
    with server(tmp_path, "--fsync", fsync, "--stream", "s:2") as (process, url):
        stop = threading.Event()

        def write(worker: int) -> None:
            client = make_client(url)
            n = 0
            try:
                while not stop.is_set():
                    n += 1
                    if n % 2:
                        data = f"{worker}-{n}".encode()
                        answer = client.put_record(
                            StreamName="s", Data=data, PartitionKey=data.decode()
                        )
                        with lock:
                            acknowledged[answer["SequenceNumber"]] = data
                    else:
                        batch = [f"{worker}-{n}-{i}".encode() for i in range(50)]
                        result = client.put_records(
                            StreamName="s",
                            Records=[{"Data": d, "PartitionKey": d.decode()} for d in batch],
                        )
                        with lock:
                            for data, entry in zip(batch, result["Records"], strict=True):
                                if "SequenceNumber" in entry:
                                    acknowledged[entry["SequenceNumber"]] = data
            except Exception:
                return  # the server was killed under the writer's feet
            finally:
                client.close()

        writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
        for thread in writers:
            thread.start()
        time.sleep(1.5)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        stop.set()
        for thread in writers:
            thread.join(30)
    with lock:
        expected = dict(acknowledged)
    assert len(expected) > 50, "the writers got too little done to test anything"
    with server(tmp_path) as (_, url):
        found = read_all(url, "s")
    missing = {seq: data for seq, data in expected.items() if found.get(seq) != data}
    assert {} == missing


def test_second_server_on_the_directory_is_refused(tmp_path: Path) -> None:
    with server(tmp_path) as (first, _):
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "eventwire_emulator",
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            env=client_env(),
            timeout=60,
        )
        assert 1 == second.returncode
        assert "is in use by another emulator server" in second.stderr
        assert first.poll() is None


def test_streams_and_metadata_survive_a_clean_restart(tmp_path: Path) -> None:
    with server(tmp_path, "--stream", "s:1") as (process, url):
        client = make_client(url)
        client.add_tags_to_stream(StreamName="s", Tags={"team": "core"})
        client.put_record(StreamName="s", Data=b"kept", PartitionKey="k")
        client.close()
        process.send_signal(signal.SIGTERM)
        assert 0 == process.wait(10)
    with server(tmp_path, "--stream", "s:1") as (_, url):
        client = make_client(url)
        tags = client.list_tags_for_stream(StreamName="s")["Tags"]
        client.close()
        assert [b"kept"] == list(read_all(url, "s").values())
    assert [{"Key": "team", "Value": "core"}] == tags
