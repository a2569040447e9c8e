"""The fault matrix: every client, through KinesisBackend over HTTP, against each fault.

Publisher, Producer and AsyncProducer publish to a 4-shard stream of the
emulator's server (quotas on) while one fault strikes. After each run: every
event has a receipt or a failure naming its cause; the stream read back holds
exactly the events with receipts, plus duplicates only for events an ambiguous
failure touched (and, for the producers, no more than they counted); and the
run finishes within its deadline.

``EVENTWIRE_FAULT_MATRIX_EVENTS`` sets the events per run (default 20,000: the
21 runs take about 3.5 minutes on two busy cores, each 5 to 20 s);
``python3 -m benchmarks faults`` prints each run's time.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import pytest

from .faultmatrix import (
    CLIENTS,
    CREDENTIALS,
    SHARDS,
    STREAM,
    MiB,
    ResettingProxy,
    Server,
    after,
    check,
    large_event,
    make_events,
    once_stored,
    run_with_deadline,
    stored_ids,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

EVENTS = int(os.environ.get("EVENTWIRE_FAULT_MATRIX_EVENTS", "20000"))
DEADLINE = 120.0
"""Seconds a run may take before it counts as hung (a clean run takes about 5-7 s)."""

EARLY = max(0.3, EVENTS / (4 * SHARDS * 1000))
"""When faults strike: a quarter into a run at the stream's quota."""

CONNECTION_CAUSES = ("onnect", "reset", "refused", "closed", "Broken", "aborted")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    served = Server()
    served.kinesis.create_stream(STREAM, SHARDS)
    try:
        yield served
    finally:
        served.close()


@pytest.mark.parametrize("client", list(CLIENTS))
class TestFaultMatrix:
    """Each fault, each client: receipts or causes, exactly what was receipted, no hang."""

    def test_throttling_storm(self, client: str, server: Server) -> None:
        """For 3 s, 60% of the entries are throttled on top of the quotas."""
        faults = server.kinesis.faults
        faults.fail_entries("ProvisionedThroughputExceededException", fraction=0.6, seed=1)
        with after(3.0, faults.clear):
            run = run_with_deadline(
                lambda: CLIENTS[client](server.url, make_events(EVENTS)), DEADLINE
            )
        check(run, stored_ids(server.kinesis), causes=("ProvisionedThroughputExceeded",))

    def test_internal_failure_entries(self, client: str, server: Server) -> None:
        """10% of PutRecords entries fail with InternalFailure, retries included."""
        server.kinesis.faults.fail_entries("InternalFailure", fraction=0.1, seed=2)
        run = run_with_deadline(lambda: CLIENTS[client](server.url, make_events(EVENTS)), DEADLINE)
        check(run, stored_ids(server.kinesis), causes=("InternalFailure",))

    def test_http_500s_for_two_seconds(self, client: str, server: Server) -> None:
        """Every call is answered with HTTP 500 InternalFailure for 2 s, from early on."""
        faults = server.kinesis.faults
        with after(EARLY, lambda: faults.fail_for(2.0, "InternalFailure")):
            run = run_with_deadline(
                lambda: CLIENTS[client](server.url, make_events(EVENTS)), DEADLINE
            )
        check(run, stored_ids(server.kinesis), causes=("InternalFailure",))

    def test_connections_reset_mid_response(self, client: str, server: Server) -> None:
        """Every 7th response is cut short by a TCP reset after the server did the work."""
        proxy = ResettingProxy(server.port, every=7)
        proxy.resetting = True
        try:
            run = run_with_deadline(
                lambda: CLIENTS[client](proxy.url, make_events(EVENTS)), DEADLINE
            )
        finally:
            proxy.close()
        assert proxy.resets > 0
        check(run, stored_ids(server.kinesis), causes=CONNECTION_CAUSES)

    def test_server_killed_and_restarted(self, client: str, server: Server) -> None:
        """The server dies early on and is back on the same port 10 s later."""

        def outage() -> None:
            server.kill()
            time.sleep(10.0)
            server.restart()

        with after(EARLY, outage):
            run = run_with_deadline(
                lambda: CLIENTS[client](server.url, make_events(EVENTS)), DEADLINE
            )
        check(run, stored_ids(server.kinesis), causes=CONNECTION_CAUSES)

    def test_stream_deleted_mid_run(self, client: str, server: Server) -> None:
        """The stream is deleted a quarter in: the rest fail naming ResourceNotFoundException.

        The stream's records go with it, so there is nothing to read back.
        """
        with once_stored(server.kinesis, EVENTS // 4, lambda: server.kinesis.delete_stream(STREAM)):
            run = run_with_deadline(
                lambda: CLIENTS[client](server.url, make_events(EVENTS)), DEADLINE
            )
        verdict = check(run, None, causes=("ResourceNotFoundException",))
        assert 0 < verdict.receipts < EVENTS
        assert EVENTS - verdict.receipts == sum(verdict.failures.values())

    def test_six_mib_record(self, client: str, server: Server) -> None:
        """A 6 MiB event among the others on a stream whose records may be 10 MiB.

        The shard bursts for it and repays at 1 MiB/s. The producers pace for
        that and deliver everything; the Publisher does not pace, so records
        behind the burst may run out of retries, throttled, which they must say.
        """
        server.kinesis.update_max_record_size(STREAM, 10240)
        events = make_events(EVENTS)
        large = large_event(6 * MiB)
        events.insert(len(events) // 2, large)
        run = run_with_deadline(lambda: CLIENTS[client](server.url, events), DEADLINE)
        verdict = check(run, stored_ids(server.kinesis), causes=("ProvisionedThroughputExceeded",))
        if client != "Publisher":
            assert len(events) == verdict.receipts
        assert 1 == stored_ids(server.kinesis)[large.id] or client == "Publisher"
