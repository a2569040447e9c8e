"""A spooled producer SIGKILLed ten times loses no event whose publish() returned."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from typing import TYPE_CHECKING

from eventwire_emulator.model import Kinesis
from eventwire_emulator.reading import read_records
from eventwire_emulator.server import EmulatorServer
from tests.emulator.server.conftest import ROOT, client_env
from tests.integration.spool_child import BUFFER_RECORDS

if TYPE_CHECKING:
    from pathlib import Path

STREAM = "ticks"
KILLS = 10


def _logged(log: Path) -> list[tuple[str, str]]:
    if not log.exists():
        return []
    lines = log.read_text().splitlines()
    # The last line may be cut short by the kill: only whole lines count.
    return [tuple(line.split(" ")) for line in lines if len(line.split(" ")) == 2]  # type: ignore[misc]


def _wait_for_lines(log: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(_logged(log)) < count:
        assert time.monotonic() < deadline, f"the child logged fewer than {count} ids"
        time.sleep(0.02)


class TestSpoolCrash:
    """Every id logged after publish() returned is on the stream after 10 SIGKILLs."""

    def test_sigkill_ten_times(self, tmp_path: Path) -> None:
        kinesis = Kinesis(quotas=True)
        kinesis.create_stream(STREAM, 4)
        spool, log = tmp_path / "spool", tmp_path / "published.log"
        rng = random.Random()
        with EmulatorServer(kinesis, port=0) as server:
            command = [sys.executable, "-m", "tests.integration.spool_child", str(spool),
                       server.url, STREAM, str(log)]  # fmt: skip
            env = client_env(PYTHONPATH=str(ROOT))
            for _ in range(KILLS):
                child = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)
                _wait_for_lines(log, len(_logged(log)) + 100)
                time.sleep(rng.uniform(0.0, 1.0))
                child.send_signal(signal.SIGKILL)
                _, err = child.communicate(timeout=30)
                assert -signal.SIGKILL == child.returncode, err.decode()
            done = subprocess.run(
                [*command, "drain"], env=env, cwd=ROOT, capture_output=True, timeout=180,
                check=False,
            )  # fmt: skip
            assert 0 == done.returncode, done.stderr.decode()
        kinesis.quotas = False
        stored = [
            (record.partition_key, json.loads(record.data)["id"])
            for record in read_records(kinesis, STREAM)
        ]
        ids = [event_id for _, event_id in stored]
        logged = _logged(log)
        duplicates = len(ids) - len(set(ids))
        print(f"spool crash test: {len(logged)} logged, {len(ids)} stored, {duplicates} duplicates")
        missing = {event_id for _, event_id in logged} - set(ids)
        assert set() == missing, f"{len(missing)} acknowledged events were lost"
        # Only records in the producer's buffer at a kill can be sent twice.
        assert duplicates <= KILLS * BUFFER_RECORDS
        # Per key, the stream holds the logged ids in publish order (first copies).
        first: dict[str, list[str]] = defaultdict(list)
        seen: set[str] = set()
        logged_ids = {event_id for _, event_id in logged}
        for key, event_id in stored:
            if event_id not in seen and event_id in logged_ids:
                seen.add(event_id)
                first[key].append(event_id)
        expected: dict[str, list[str]] = defaultdict(list)
        for key, event_id in logged:
            expected[key].append(event_id)
        assert expected == first
