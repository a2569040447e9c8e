"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (no websocket)."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
    "--window-size=1400,1000",
)


def chromium_path() -> str:
    """The Chromium to drive: ``EVENTWIRE_CHROMIUM``, else chromium on PATH; never installed here.

    ``nox -s browser`` (and the emulator's test session) finds it or installs it as an
    announced step; a test never installs system packages by itself.
    """
    found = os.environ.get("EVENTWIRE_CHROMIUM") or next(
        filter(None, (shutil.which(name) for name in CHROMIUM_NAMES)), None
    )
    if found is None:
        pytest.fail(
            "Chromium is needed for the data viewer's browser tests and was not found: run "
            "`python3 -m nox -s browser` (installs Debian's chromium with apt-get) or set "
            "EVENTWIRE_CHROMIUM to a Chromium binary"
        )
    return found


def _above_four(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class Browser:
    """Headless Chromium driven over a pipe; commands go to one page, answers are awaited."""

    def __init__(self, url: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="eventwire-chromium-")
        cmd_read, self._cmd = os.pipe()
        self._events, res_write = os.pipe()
        # Move the child's ends above 9 so redirecting to 3 and 4 cannot clobber them
        # (bash, not dash: dash redirects one-digit fds only).
        cmd_read, res_write = (_above_four(fd) for fd in (cmd_read, res_write))
        # Chromium reads commands from fd 3 and writes answers to fd 4.
        script = f'exec 3<&{cmd_read} 4>&{res_write}; exec "$@"'
        self.process = subprocess.Popen(
            ["bash", "-c", script, "bash", chromium_path(), *FLAGS,
             f"--user-data-dir={self._profile.name}", url],
            pass_fds=(cmd_read, res_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(cmd_read)
        os.close(res_write)
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, skipping events."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self._session
        os.write(self._cmd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, _, self._buffer = self._buffer.partition(b"\0")
                answer = json.loads(raw)
                if answer.get("id") == self._next_id:
                    assert "error" not in answer, answer["error"]
                    return dict(answer.get("result", {}))
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no answer to {method} within {timeout} s"
            ready, _, _ = select.select([self._events], [], [], remaining)
            if ready:
                chunk = os.read(self._events, 1 << 20)
                assert chunk, "chromium closed its debugging pipe"
                self._buffer += chunk

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for_text(self, text: str, timeout: float = 30.0) -> str:
        """Poll the page's visible text until it contains `text`; return that text."""
        deadline = time.monotonic() + timeout
        while True:
            body = str(self.evaluate("document.body.innerText"))
            if text in body:
                return body
            assert time.monotonic() < deadline, f"{text!r} never appeared; page text:\n{body}"
            time.sleep(0.2)

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the page."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Close the browser and wait for it."""
        try:
            self.call("Browser.close", timeout=10)
        except (AssertionError, OSError):
            self.process.kill()
        finally:
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            os.close(self._cmd)
            os.close(self._events)
            self._profile.cleanup()
