"""eventwire tail, publish and streams: the real console script against the emulator server."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import pytest

from eventwire_emulator.model import Kinesis
from eventwire_emulator.server import EmulatorServer
from tests.emulator.server.conftest import make_client
from tests.kinesis_backend.cli_support import (
    EVENTWIRE,
    ROOT,
    cli_env,
    documents,
    eventwire,
    jsonl,
)

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

STREAM = "ticks"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    # Quotas off: these tests are about the command line, not the shard limits.
    with EmulatorServer(Kinesis(quotas=False), port=0) as running:
        yield running


@pytest.fixture
def stream(server: EmulatorServer, request: pytest.FixtureRequest) -> str:
    """A fresh 3-shard stream named after the test."""
    name = f"s{abs(hash(request.node.nodeid)) % 10**9}"
    server.kinesis.create_stream(name, 3)
    return name


@pytest.fixture
def url(server: EmulatorServer) -> str:
    return server.url


def boto(url: str) -> KinesisClient:
    return make_client(url)


def read_lines(stream: IO[str], count: int, timeout: float = 60.0) -> list[str]:
    """``count`` lines from a pipe, or fail after ``timeout`` seconds rather than hang."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(stream.readline()) for _ in range(count)], daemon=True
    ).start()
    return [lines.get(timeout=timeout) for _ in range(count)]


@contextmanager
def following(url: str, stream: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """``eventwire tail STREAM --json -f ARGS`` running, once it says it is following."""
    command = [str(EVENTWIRE), "tail", stream, "--endpoint-url", url, "--json", "-f", *args]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=ROOT,
    ) as process:
        try:
            assert process.stderr is not None
            assert "following" in read_lines(process.stderr, 1)[0]
            yield process
        finally:
            if process.poll() is None:
                process.kill()


def publish(url: str, stream: str, text: str, *args: str) -> None:
    ran = eventwire("publish", stream, "--endpoint-url", url, *args, stdin=text)
    assert 0 == ran.status, ran.err


class TestRoundTrip:
    """What publish sends, tail gives back: every record, every shard, documents unchanged."""

    def test_cloudevents_documents_round_trip(self, url: str, stream: str, tmp_path: Path) -> None:
        """A JSON-lines file of CloudEvents documents comes back as the same documents."""
        sent = documents(300)
        source = tmp_path / "events.jsonl"
        source.write_text(jsonl(sent), encoding="utf-8")
        ran = eventwire("publish", stream, str(source), "--endpoint-url", url)
        assert (0, "published 300 record(s)") == (ran.status, ran.err.split(" to ")[0][-23:])
        tailed = eventwire("tail", stream, "--endpoint-url", url, "--json")
        assert 0 == tailed.status, tailed.err
        lines = tailed.lines()
        assert sorted(sent, key=lambda d: d["id"]) == sorted(
            (line["event"] for line in lines), key=lambda d: d["id"]
        )
        assert {3} == {len({line["shard"] for line in lines})}
        # The partitionkey attribute routed each record.
        assert all(line["key"] == line["event"]["partitionkey"] for line in lines)

    def test_order_per_key_is_kept(self, url: str, stream: str) -> None:
        """Within a partition key, tail prints records in the order they were published."""
        publish(url, stream, jsonl(documents(200)))
        lines = eventwire("tail", stream, "--endpoint-url", url, "--json").lines()
        by_key: dict[str, list[int]] = {}
        for line in lines:
            by_key.setdefault(line["key"], []).append(line["event"]["data"]["n"])
        assert all(numbers == sorted(numbers) for numbers in by_key.values())
        assert 200 == sum(len(numbers) for numbers in by_key.values())

    def test_aggregated_records_are_split(self, url: str, stream: str) -> None:
        """KPL aggregated records come back as their user records, with subsequence numbers."""
        sent = documents(120, keys=2)
        publish(url, stream, jsonl(sent), "--aggregate")
        kinesis_records = sum(
            len(
                boto(url).get_records(
                    ShardIterator=boto(url).get_shard_iterator(
                        StreamName=stream,
                        ShardId=shard["ShardId"],
                        ShardIteratorType="TRIM_HORIZON",
                    )["ShardIterator"]
                )["Records"]
            )
            for shard in boto(url).list_shards(StreamName=stream)["Shards"]
        )
        lines = eventwire("tail", stream, "--endpoint-url", url, "--json").lines()
        assert sorted(d["id"] for d in sent) == sorted(line["event"]["id"] for line in lines)
        assert kinesis_records < 120
        assert all("subsequence" in line for line in lines)

    def test_typed_events_from_data_objects(self, url: str, stream: str) -> None:
        """--type with --import validates data objects into the event class; tail shows it typed."""
        data = [{"order": f"o-{n}", "items": n} for n in range(5)]
        publish(
            url,
            stream,
            jsonl(data),
            "--type",
            "com.example.cli.shipped.v1",
            "--import",
            "tests.kinesis_backend.cli_events",
        )
        pretty = eventwire(
            "tail", stream, "--endpoint-url", url, "--import", "tests.kinesis_backend.cli_events"
        )
        assert 0 == pretty.status, pretty.err
        assert 5 == pretty.out.count("com.example.cli.shipped.v1 (Shipped)")
        lines = eventwire("tail", stream, "--endpoint-url", url, "--json").lines()
        assert sorted(data, key=str) == sorted((line["event"]["data"] for line in lines), key=str)
        assert {"eventwire-cli"} == {line["event"]["source"] for line in lines}
        assert {f"o-{n}" for n in range(5)} == {line["key"] for line in lines}

    def test_undecodable_record_of_registered_type_fails_the_run(
        self, url: str, stream: str
    ) -> None:
        """A document whose type is registered but whose data does not fit: shown, status 1."""
        bad = documents(1, event_type="com.example.cli.shipped.v1")
        publish(url, stream, jsonl(bad))
        ran = eventwire(
            "tail", stream, "--endpoint-url", url, "--import", "tests.kinesis_backend.cli_events"
        )
        assert 1 == ran.status
        assert "not decoded" in ran.out
        assert "1 record(s) of registered types did not decode" in ran.err


class TestTailOptions:
    """--from, --type, --key, --limit and --follow."""

    def test_filters_and_limit(self, url: str, stream: str) -> None:
        """--key and --type keep matching records only; --limit stops after N."""
        text = jsonl(documents(30) + documents(10, event_type="com.example.cli.other"))
        publish(url, stream, text)
        keyed = eventwire("tail", stream, "--endpoint-url", url, "--json", "--key", "key-3").lines()
        typed = eventwire(
            "tail", stream, "--endpoint-url", url, "--json", "--type", "com.example.cli.o*"
        ).lines()
        limited = eventwire("tail", stream, "--endpoint-url", url, "--json", "--limit", "7")
        assert {"key-3"} == {line["key"] for line in keyed}
        assert 4 + 1 == len(keyed)  # n % 7 == 3: 3, 10, 17, 24 of 30 and 3 of 10
        assert 10 == len(typed)
        assert (0, 7) == (limited.status, len(limited.lines()))

    def test_from_latest_timestamp_and_sequence(self, url: str, stream: str) -> None:
        """From latest shows nothing old; a time or a sequence number starts there."""
        publish(url, stream, jsonl(documents(20, keys=1)))
        time.sleep(1.1)
        middle = time.time()
        time.sleep(0.1)
        publish(url, stream, jsonl(documents(5, keys=1)))
        every = eventwire("tail", stream, "--endpoint-url", url, "--json").lines()
        latest = eventwire("tail", stream, "--endpoint-url", url, "--json", "--from", "latest")
        stamp = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(middle))
            + f".{int(middle % 1 * 1000):03d}Z"
        )
        since = eventwire("tail", stream, "--endpoint-url", url, "--json", "--from", stamp).lines()
        tenth = every[10]["sequence"]
        at = eventwire("tail", stream, "--endpoint-url", url, "--json", "--from", tenth).lines()
        assert (0, "") == (latest.status, latest.out)
        assert [line["event"]["id"] for line in every[20:]] == [
            line["event"]["id"] for line in since
        ]
        assert [line["event"]["id"] for line in every[10:]] == [line["event"]["id"] for line in at]

    def test_unknown_sequence_number(self, url: str, stream: str) -> None:
        """A sequence number no shard holds is a one-line configuration error."""
        ran = eventwire("tail", stream, "--endpoint-url", url, "--from", "4" * 56)
        assert 3 == ran.status
        assert 1 == len(ran.err.splitlines()), ran.err

    def test_follows_resharding(self, url: str, stream: str) -> None:
        """After a split and a merge, tail reads parents before children and misses nothing."""
        client = boto(url)
        phases = [documents(60, keys=60) for _ in range(3)]
        publish(url, stream, jsonl(phases[0]))
        shards = client.list_shards(StreamName=stream)["Shards"]
        first = shards[0]["HashKeyRange"]
        middle = (int(first["StartingHashKey"]) + int(first["EndingHashKey"])) // 2
        client.split_shard(
            StreamName=stream, ShardToSplit=shards[0]["ShardId"], NewStartingHashKey=str(middle)
        )
        publish(url, stream, jsonl(phases[1]))
        client.merge_shards(
            StreamName=stream,
            ShardToMerge=shards[1]["ShardId"],
            AdjacentShardToMerge=shards[2]["ShardId"],
        )
        publish(url, stream, jsonl(phases[2]))
        lines = eventwire("tail", stream, "--endpoint-url", url, "--json").lines()
        seen_shards = [line["shard"] for line in lines]
        listed = client.list_shards(StreamName=stream)["Shards"]
        sent_order = {doc["id"]: i for i, doc in enumerate(phases[0] + phases[1] + phases[2])}
        by_key: dict[str, list[int]] = {}
        for line in lines:
            by_key.setdefault(line["key"], []).append(sent_order[line["event"]["id"]])
        assert sorted(sent_order) == sorted(line["event"]["id"] for line in lines)
        assert 6 == len(listed) == len(set(seen_shards))
        assert all(order == sorted(order) for order in by_key.values())
        for shard in listed:
            for parent in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")):
                if parent:
                    last_parent = max(i for i, s in enumerate(seen_shards) if s == parent)
                    assert last_parent < seen_shards.index(shard["ShardId"])

    def test_follow_prints_new_records_until_interrupted(self, url: str, stream: str) -> None:
        """--follow --from latest prints records published after it started; Ctrl-C is 130."""
        with following(url, stream, "--from", "latest") as process:
            assert process.stdout is not None
            sent = documents(4)
            publish(url, stream, jsonl(sent))
            got = [json.loads(line) for line in read_lines(process.stdout, len(sent))]
            process.send_signal(signal.SIGINT)
            status = process.wait(20)
        assert sorted(d["id"] for d in sent) == sorted(line["event"]["id"] for line in got)
        assert 130 == status

    def test_follow_picks_up_shards_from_a_split(self, url: str, stream: str) -> None:
        """While following, a split closes the parent; tail moves on to its children."""
        client = boto(url)
        with following(url, stream) as process:
            assert process.stdout is not None
            before = documents(30, keys=30)
            publish(url, stream, jsonl(before))
            got = read_lines(process.stdout, len(before))
            shards = client.list_shards(StreamName=stream)["Shards"]
            for shard in shards:
                hashes = shard["HashKeyRange"]
                middle = (int(hashes["StartingHashKey"]) + int(hashes["EndingHashKey"])) // 2
                client.split_shard(
                    StreamName=stream, ShardToSplit=shard["ShardId"], NewStartingHashKey=str(middle)
                )
            after = documents(30, keys=30)
            publish(url, stream, jsonl(after))
            got += read_lines(process.stdout, len(after))
        lines = [json.loads(line) for line in got]
        children = {s["ShardId"] for s in client.list_shards(StreamName=stream)["Shards"]} - {
            s["ShardId"] for s in shards
        }
        assert sorted(d["id"] for d in before + after) == sorted(
            line["event"]["id"] for line in lines
        )
        assert {line["shard"] for line in lines[30:]} <= children
        assert 6 == len(children)

    def test_reader_going_away_is_not_an_error(self, url: str, stream: str) -> None:
        """Piped into something that stops reading (| head -1), tail ends quietly with 0."""
        publish(url, stream, jsonl(documents(3000)))
        command = [str(EVENTWIRE), "tail", stream, "--endpoint-url", url, "--json"]
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(), cwd=ROOT
        ) as process:
            assert process.stdout is not None
            assert process.stderr is not None
            first = process.stdout.readline()
            process.stdout.close()
            status = process.wait(60)
            errors = process.stderr.read()
        assert json.loads(first)["event"]["specversion"] == "1.0"
        assert (0, b"") == (status, errors)


class TestPublishFailures:
    """Lines that cannot be published are written to the failures file; the status is 1."""

    def test_bad_lines_go_to_the_failures_file(self, url: str, stream: str, tmp_path: Path) -> None:
        good = documents(3)
        text = (
            jsonl(good[:1])
            + "{not json\n"
            + '["a list"]\n'
            + json.dumps({"specversion": "1.0", "type": "t"})
            + "\n"
            + jsonl(good[1:])
        )
        source = tmp_path / "in.jsonl"
        source.write_text(text)
        failures = tmp_path / "failed.jsonl"
        ran = eventwire(
            "publish", stream, str(source), "--endpoint-url", url, "--failures", str(failures)
        )
        written = [json.loads(line) for line in failures.read_text().splitlines()]
        assert 1 == ran.status
        assert "3 failed" in ran.err
        assert [2, 3, 4] == sorted(entry["line"] for entry in written)
        assert ["{not json", '["a list"]'] == [entry["input"] for entry in written][:2]
        assert all(entry["error"] for entry in written)
        assert 3 == len(eventwire("tail", stream, "--endpoint-url", url, "--json").lines())

    def test_invalid_typed_data(self, url: str, stream: str, tmp_path: Path) -> None:
        """Data that does not fit the --import-ed class fails with the field named."""
        failures = tmp_path / "f.jsonl"
        ran = eventwire(
            "publish",
            stream,
            "--endpoint-url",
            url,
            "--type",
            "com.example.cli.shipped.v1",
            "--import",
            "tests.kinesis_backend.cli_events",
            "--failures",
            str(failures),
            stdin='{"order": "o-1", "items": "many"}\n',
        )
        assert 1 == ran.status
        assert "items" in json.loads(failures.read_text())["error"]

    def test_unknown_stream_fails_every_record(self, url: str, tmp_path: Path) -> None:
        """Records to a stream that does not exist fail with the AWS code, status 1."""
        failures = tmp_path / "f.jsonl"
        ran = eventwire(
            "publish",
            "no-such-stream",
            "--endpoint-url",
            url,
            "--failures",
            str(failures),
            stdin=jsonl(documents(2)),
        )
        written = [json.loads(line) for line in failures.read_text().splitlines()]
        assert 1 == ran.status
        assert {"ResourceNotFoundException"} == {entry["code"] for entry in written}


class TestStreams:
    """streams create, list, describe and delete."""

    def test_lifecycle(self, url: str) -> None:
        created = eventwire("streams", "create", "cli-made", "--shards", "2", "--endpoint-url", url)
        listed = eventwire("streams", "list", "--endpoint-url", url, env=cli_env(COLUMNS="200"))
        described = eventwire(
            "streams", "describe", "cli-made", "--endpoint-url", url, env=cli_env(COLUMNS="250")
        )
        deleted = eventwire("streams", "delete", "cli-made", "--yes", "--endpoint-url", url)
        after = boto(url).list_streams()["StreamNames"]
        assert (0, 0, 0, 0) == (
            created.status,
            listed.status,
            described.status,
            deleted.status,
        ), created.err + listed.err + described.err + deleted.err
        assert "created cli-made (active)" in created.out
        assert "cli-made" in listed.out
        assert 2 == described.out.count("shardId-")
        assert "cli-made" not in after

    def test_delete_asks_first(self, url: str, stream: str) -> None:
        """Without --yes, delete asks; answering no keeps the stream."""
        ran = eventwire("streams", "delete", stream, "--endpoint-url", url, stdin="n\n")
        assert 0 != ran.status
        assert stream in boto(url).list_streams()["StreamNames"]


class TestErrors:
    """Missing region, credentials or endpoint: one line naming the fix, no traceback."""

    @pytest.mark.parametrize(
        ("drop", "status", "needle"),
        [
            (("AWS_REGION", "AWS_DEFAULT_REGION"), 3, "--region"),
            (("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), 3, "AWS_ACCESS_KEY_ID=test"),
        ],
        ids=["region", "credentials"],
    )
    def test_missing_settings(
        self, url: str, drop: tuple[str, ...], status: int, needle: str
    ) -> None:
        env = {name: value for name, value in cli_env().items() if name not in drop}
        ran = eventwire("tail", STREAM, "--endpoint-url", url, env=env)
        assert (status, 1) == (ran.status, len(ran.err.splitlines())), ran.err
        assert needle in ran.err
        assert "Traceback" not in ran.err

    def test_unreachable_endpoint(self) -> None:
        ran = eventwire("streams", "list", "--endpoint-url", "http://127.0.0.1:9")
        assert 4 == ran.status
        assert ran.err.startswith("eventwire: error: could not reach")
        assert 1 == len(ran.err.splitlines())

    def test_localstack_and_endpoint_together(self, url: str) -> None:
        ran = eventwire("streams", "list", "--localstack", "--endpoint-url", url)
        assert (3, "eventwire: error: give --localstack or --endpoint-url, not both\n") == (
            ran.status,
            ran.err,
        )

    def test_unknown_stream(self, url: str) -> None:
        ran = eventwire("tail", "no-such-stream", "--endpoint-url", url)
        assert 4 == ran.status
        assert "not found" in ran.err
        assert 1 == len(ran.err.splitlines())

    def test_bad_import_and_bad_from(self, url: str, stream: str) -> None:
        missing = eventwire("tail", stream, "--endpoint-url", url, "--import", "no_such_mod")
        bad_from = eventwire("tail", stream, "--endpoint-url", url, "--from", "yesterday")
        assert (3, 3) == (missing.status, bad_from.status)
        assert "--import no_such_mod" in missing.err
        assert "--from 'yesterday'" in bad_from.err

    @pytest.mark.parametrize("command", ["tail", "publish", "streams", "serve"])
    def test_help_has_examples(self, command: str) -> None:
        ran = eventwire(command, "--help")
        assert 0 == ran.status
        assert "xample" in ran.out
