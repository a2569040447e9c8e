"""README's first-hour promises: the pasted snippet works, and CI runs the documented command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of one ``## title`` section."""
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestReadme:
    """What a new user pastes and runs."""

    def test_point_your_service_snippet_works_when_pasted(self) -> None:
        """The snippet publishes an event through the server and tail shows it, decoded."""
        (snippet,) = re.findall(
            r"```sh\n(.*?)```", section("Point your service at the local server"), re.S
        )
        # The snippet's port is the server's default; a test binds a free one instead.
        script = "trap 'kill $(jobs -p) 2>/dev/null' EXIT\n" + snippet.replace(
            "4567", str(free_port())
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EVENTWIRE_"))}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        done = subprocess.run(
            ["bash", "-e", "-c", script],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=180,
            check=False,
        )
        assert 0 == done.returncode, done.stdout + done.stderr
        assert re.search(r"^shardId-\d{12} \d{56}$", done.stdout, re.M), done.stdout
        assert "com.example.order.placed.v1  key=o-1" in done.stdout
        assert '"amount_cents":1250' in done.stdout

    def test_ci_runs_the_quickstart_command(self) -> None:
        """.ci/run runs the Quickstart's test command, ./nox, which exists and is executable."""
        quickstart = section("Quickstart")
        ci = (ROOT / ".ci" / "run").read_text()
        commands = re.findall(r"^(\./nox[^#\n]*?)\s*(?:#.*)?$", quickstart, re.M)
        assert ["./nox -s demo", "./nox"] == commands
        assert "\n./nox\n" in ci
        assert os.access(ROOT / "nox", os.X_OK)

    def test_nox_script_keeps_tools_out_of_the_global_python(self) -> None:
        """./nox installs nox and uv into .tools/, a virtual environment of its own."""
        script = (ROOT / "nox").read_text()
        assert "python3 -m venv" in script
        assert '"$tools/bin/python" -m pip install' in script
