"""Run the real ``eventwire`` console script in a subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.emulator.server.conftest import client_env

ROOT = Path(__file__).resolve().parents[2]
EVENTWIRE = Path(sys.executable).parent / "eventwire"
TIMEOUT = 120.0


def cli_env(**extra: str) -> dict[str, str]:
    """The environment without the user's AWS settings, plus dummy credentials and a region."""
    return client_env(**extra)


@dataclass(frozen=True)
class Ran:
    """A finished command: exit status and its output."""

    status: int
    out: str
    err: str

    def lines(self) -> list[dict[str, Any]]:
        """Standard output as JSON lines."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def eventwire(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path = ROOT,
) -> Ran:
    """Run ``eventwire ARGS`` to its end."""
    done = subprocess.run(
        [str(EVENTWIRE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env if env is not None else cli_env(),
        cwd=cwd,
        timeout=TIMEOUT,
        check=False,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def documents(
    count: int, *, keys: int = 7, event_type: str = "com.example.cli.tick"
) -> list[dict[str, Any]]:
    """CloudEvents documents with partition keys from a few values and a running number."""
    return [
        {
            "specversion": "1.0",
            "type": event_type,
            "source": "/tests/cli",
            "id": str(uuid.uuid4()),
            "time": "2026-12-01T09:30:00Z",
            "partitionkey": f"key-{n % keys}",
            "data": {"n": n, "text": "é" * (n % 3)},
        }
        for n in range(count)
    ]


def jsonl(items: list[dict[str, Any]]) -> str:
    """JSON lines text."""
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
