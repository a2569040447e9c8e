"""Emulator HTTP server: single-threaded boto3 throughput against a canned-response ceiling.

Both servers run in their own process (so client and server use different cores):
the emulator via ``python -m eventwire_emulator serve``, and a minimal socket server
that answers every request with one fixed, valid response per operation. boto3
against the canned server is boto3's own ceiling on this machine; the emulator's
rates are reported as fractions of it, with auth off, with ``--auth sigv4``
(every request's signature verified) and with ``--data-dir`` (every record
committed to SQLite before it is acknowledged; target: put_records at >= 70 %
of the in-memory rate). Targets: put_record >= 85 % of the ceiling,
put_records (500 a call) >= 60 %, and no slow-down as the stream grows to 200,000
records (the last 10 % of calls at >= 90 % of the rate of the first 10 %).

Every rate comes from the median time of single calls, for the ceiling and the
emulator alike: on a shared machine a neighbour's burst stretches a few calls,
and a median (unlike a mean or a best-of) ignores them the same way on both sides.
The client alternates between the two servers in short blocks (see ``run``).
Each server's CPU time per put_record (user plus system, from Linux's /proc) is
printed too: on a busy machine it moves less than a rate does, so it shows what a
change to the server's per-request work is worth.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import boto3
from botocore.config import Config

STREAM = "bench"
SHARDS = 4
PUT_RECORD_CALLS = 4000
PUT_RECORD_BLOCK = 200  # calls to one server before switching to the other
PUT_RECORDS_CALLS = 400  # x 500 = 200,000 records
PUT_RECORDS_BLOCK = 10
BATCH = 500

_SEQ = "49000000000000000000000000000000000000000000000000000001"


def _canned_bodies() -> dict[str, bytes]:
    entry = {"SequenceNumber": _SEQ, "ShardId": "shardId-000000000000"}
    return {
        "Kinesis_20131202.PutRecord": json.dumps(
            {**entry, "EncryptionType": "NONE"}, separators=(",", ":")
        ).encode(),
        "Kinesis_20131202.PutRecords": json.dumps(
            {"FailedRecordCount": 0, "Records": [entry] * BATCH, "EncryptionType": "NONE"},
            separators=(",", ":"),
        ).encode(),
    }


def _canned_connection(conn: socket.socket, bodies: dict[str, bytes]) -> None:
    """Answer requests on one keep-alive connection with fixed bodies; minimal parsing."""
    responses = {
        target: (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
            b"x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n"
            b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
        )
        for target, body in bodies.items()
    }
    buffer = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]  # boto3 always sends it
            while len(buffer) < length:
                buffer += conn.recv(65536)
            buffer = buffer[length:]
            target = re.search(rb"(?i)x-amz-target:\s*(\S+)", head).group(1).decode()  # type: ignore[union-attr]  # boto3 always sends it
            conn.sendall(responses[target])


def canned_main() -> None:
    """Child process: serve canned responses on a free loopback port, print it, run until killed."""
    bodies = _canned_bodies()
    listener = socket.create_server(("127.0.0.1", 0))
    print(f"canned server on http://127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_canned_connection, args=(conn, bodies), daemon=True).start()


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if match is None:
        process.kill()
        process.wait()
        raise RuntimeError(f"server did not start: {line!r}")
    return process, match.group(0)


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _client(url: str) -> Any:
    return boto3.session.Session().client(
        "kinesis",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"total_max_attempts": 1}),
    )


def _put_record_seconds(client: Any, calls: int, offset: int = 0) -> list[float]:
    """Seconds each of ``calls`` put_record calls took."""
    data = b'{"type":"bench","n":1}' * 4
    seconds = []
    for n in range(offset, offset + calls):
        started = time.perf_counter()
        client.put_record(StreamName=STREAM, Data=data, PartitionKey=f"k{n}")
        seconds.append(time.perf_counter() - started)
    return seconds


def _batch(offset: int) -> list[dict[str, Any]]:
    return [
        {"Data": b'{"type":"bench","n":%d}' % (offset + n), "PartitionKey": f"key-{offset + n}"}
        for n in range(BATCH)
    ]


def _put_records_seconds(client: Any, calls: int) -> list[float]:
    """Seconds each put_records call of 500 took, in order."""
    seconds = []
    for n in range(calls):
        started = time.perf_counter()
        answer = client.put_records(StreamName=STREAM, Records=_BATCHES[n % len(_BATCHES)])
        seconds.append(time.perf_counter() - started)
        assert 0 == answer["FailedRecordCount"]
    return seconds


_BATCHES = [_batch(n * BATCH) for n in range(8)]


def _rate(seconds: list[float]) -> float:
    """Records/s from the median call."""
    return BATCH / statistics.median(seconds)


#: The server configurations measured, each against the same ceiling.
#: The ceiling targets apply to the in-memory server, auth off and on; with --data-dir
#: the target is put_records against the in-memory rate (a commit per request).
CONFIGURATIONS: list[tuple[str, list[str], bool]] = [
    ("auth off", [], True),
    ("--auth sigv4", ["--auth", "sigv4", "--credentials", "bench:bench"], True),
    ("--data-dir (--fsync batch)", ["--data-dir", "{data_dir}"], False),
]
PERSISTENCE_TARGET = 0.70
"""put_records with --data-dir, as a fraction of the in-memory rate (both against the ceiling)."""


def run() -> None:
    """Measure the ceiling and the emulators, print rates and ratios against the targets.

    The canned server and one emulator per configuration run at once, and the
    client goes round them in short blocks, so a slow spell of the shared
    machine slows every side alike and the configurations are compared on the
    same footing; the growth check divides each tenth of an emulator's calls by
    the ceiling's calls made at the same time, which cancels such spells out.
    """
    canned, canned_url = _start(["-m", "benchmarks.bench_server", "canned"])
    emulators: list[subprocess.Popen[str]] = []
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            urls = []
            for _, extra, _ in CONFIGURATIONS:
                process, url = _start(
                    ["-m", "eventwire_emulator", "serve", "--port", "0", "--quotas", "off",
                     "--stream", f"{STREAM}:{SHARDS}", "--create-delay", "0",
                     "--delete-delay", "0", *[a.format(data_dir=data_dir) for a in extra]]
                )  # fmt: skip
                emulators.append(process)
                urls.append(url)
            pids = [canned.pid, *(process.pid for process in emulators)]
            put, batch, cpu = _measure(canned_url, urls, pids)
    finally:
        for process in emulators:
            _stop(process)
        _stop(canned)
    ceiling_put, ceiling_batch, ceiling_cpu = put.pop(0), batch.pop(0), cpu.pop(0)
    ratios: dict[str, float] = {}
    for (label, _, judged), ours_put, ours_batch, ours_cpu in zip(
        CONFIGURATIONS, put, batch, cpu, strict=True
    ):
        print(f"-- emulator with {label}")
        ratios[label] = _report(ceiling_put, ceiling_batch, ours_put, ours_batch, judged=judged)
        if ours_cpu is not None and ceiling_cpu is not None:
            print(
                f"server CPU per put_record: {ours_cpu * 1e6:.0f} us "
                f"(the canned server's: {ceiling_cpu * 1e6:.0f} us)"
            )
    persisted = ratios["--data-dir (--fsync batch)"] / ratios["auth off"]
    print(
        f"put_records with --data-dir at {persisted:.0%} of in-memory "
        f"(target {PERSISTENCE_TARGET:.0%}) {'ok' if persisted >= PERSISTENCE_TARGET else 'BELOW'}"
    )


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process has used so far (Linux's /proc), else None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    canned_url: str, urls: list[str], pids: list[int]
) -> tuple[list[list[float]], list[list[float]], list[float | None]]:
    """Seconds per call of put_record and put_records, and CPU seconds per put_record.

    Each list has the ceiling's first, then each url's; a server's CPU is None where
    the platform does not tell it (it comes from Linux's /proc). Only the client's
    calls keep a server busy, so its CPU time over the put_record rounds, divided by
    its calls, is what one call costs it, whatever the latency.
    """
    clients = [_client(canned_url), *(_client(url) for url in urls)]
    for client in clients:  # warm up: connections, model loading, caches
        _put_record_seconds(client, 200)
        _put_records_seconds(client, 10)
    put: list[list[float]] = [[] for _ in clients]
    started = [_cpu_seconds(pid) for pid in pids]
    for block in range(PUT_RECORD_CALLS // PUT_RECORD_BLOCK):
        offset = block * PUT_RECORD_BLOCK
        for index, client in enumerate(clients):
            put[index] += _put_record_seconds(client, PUT_RECORD_BLOCK, offset)
    cpu: list[float | None] = []
    for pid, before in zip(pids, started, strict=True):
        after = _cpu_seconds(pid)
        cpu.append(None if before is None or after is None else (after - before) / PUT_RECORD_CALLS)
    for client in clients[1:]:
        client.delete_stream(StreamName=STREAM)
        client.create_stream(StreamName=STREAM, ShardCount=SHARDS)
    batch: list[list[float]] = [[] for _ in clients]
    for _ in range(PUT_RECORDS_CALLS // PUT_RECORDS_BLOCK):
        for index, client in enumerate(clients):
            batch[index] += _put_records_seconds(client, PUT_RECORDS_BLOCK)
    for client in clients:
        client.close()
    return put, batch, cpu


def _report(
    put_ceiling: list[float],
    batch_ceiling: list[float],
    put_ours: list[float],
    batch_ours: list[float],
    *,
    judged: bool,
) -> float:
    """Print one configuration's rates against the ceiling; return its put_records ratio."""
    rows = [
        ("put_record calls/s", 1 / statistics.median(put_ceiling),
         1 / statistics.median(put_ours), 0.85),
        ("put_records records/s (500 a call)", _rate(batch_ceiling), _rate(batch_ours), 0.60),
    ]  # fmt: skip
    print(f"{'':38} {'ceiling':>10} {'emulator':>10} {'ratio':>7} {'target':>7}")
    for name, ceiling_rate, our_rate, target in rows:
        ratio = our_rate / ceiling_rate
        verdict = ("ok" if ratio >= target else "BELOW") if judged else "(no target)"
        print(
            f"{name:38} {ceiling_rate:10.0f} {our_rate:10.0f} {ratio:7.0%} {target:7.0%} {verdict}"
        )
    tenth = len(batch_ours) // 10
    first = _rate(batch_ours[:tenth]) / _rate(batch_ceiling[:tenth])
    last = _rate(batch_ours[-tenth:]) / _rate(batch_ceiling[-tenth:])
    growth = last / first
    print(
        f"growth to {PUT_RECORDS_CALLS * BATCH:,} records: first 10 % at {first:.0%} of the "
        f"ceiling, last 10 % at {last:.0%}, ratio {growth:.0%} (target 90 %) "
        f"{'ok' if growth >= 0.9 else 'BELOW'}"
    )
    return _rate(batch_ours) / _rate(batch_ceiling)


if __name__ == "__main__":
    if sys.argv[1:] == ["canned"]:
        canned_main()
    else:
        run()
