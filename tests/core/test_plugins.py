from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pluggy
import pytest

from eventwire import (
    ConfigurationError,
    Publisher,
    available_backends,
    register_plugin,
    unregister_plugin,
)
from eventwire.backends import make_plugin_manager
from eventwire.testing import capture_events

from .sample_events import PersonCreated

PLUGIN_MODULE = '''
"""A third-party eventwire plugin: a backend named 'tenant-memory' and a tenant stamp."""
from eventwire import hookimpl
from eventwire.testing import RecordingBackend

@hookimpl
def eventwire_list_backends():
    return ["tenant-memory"]

@hookimpl
def eventwire_make_backend(name, options):
    if name == "tenant-memory":
        return RecordingBackend(stream=options.get("stream") or "tenants")
    return None

@hookimpl
def eventwire_before_publish(context):
    context.event = context.event.with_extensions(tenantid="from-entry-point")
'''


def build_wheel(directory: Path, module_source: str, entry_point: str) -> Path:
    """Write a minimal but complete wheel for a distribution 'tenant-plugin'."""
    name, version = "tenant_plugin", "1.0"
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": module_source,
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: tenant-plugin\nVersion: {version}\n"
        ),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": f"[eventwire]\n{entry_point}\n",
    }
    record_lines = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record_lines.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record_lines) + "\n"
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def install(wheel: Path, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install the wheel with pip into ``target`` and put it on the import path."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    monkeypatch.syspath_prepend(str(target))


class TestEntryPoints:
    """Plugins installed as distributions are found through the 'eventwire' entry points."""

    def test_installed_plugin_is_picked_up(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A pip-installed distribution provides a backend and a hook with no code changes."""
        wheel = build_wheel(tmp_path, PLUGIN_MODULE, "tenant = tenant_plugin")
        install(wheel, tmp_path / "site", monkeypatch)
        monkeypatch.delitem(sys.modules, "tenant_plugin", raising=False)
        manager = make_plugin_manager()
        assert "tenant-memory" in available_backends(manager)
        publisher = Publisher("tenant-memory", stream="t", source="s", plugin_manager=manager)
        publisher.publish(PersonCreated(person_id=1, name="a"))
        [event] = publisher.backend.events()  # type: ignore[attr-defined]
        assert {"tenantid": "from-entry-point"} == event.extensions

    def test_autoload_can_be_disabled(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """EVENTWIRE_DISABLE_PLUGIN_AUTOLOAD keeps entry-point plugins out."""
        install(
            build_wheel(tmp_path, PLUGIN_MODULE, "tenant = tenant_plugin"),
            tmp_path / "site",
            monkeypatch,
        )
        monkeypatch.setenv("EVENTWIRE_DISABLE_PLUGIN_AUTOLOAD", "1")
        assert "tenant-memory" not in available_backends(make_plugin_manager())

    def test_broken_plugin_is_named(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A plugin that fails to import is reported by name and distribution."""
        install(
            build_wheel(
                tmp_path, "raise RuntimeError('broken on purpose')\n", "broken = tenant_plugin"
            ),
            tmp_path / "site",
            monkeypatch,
        )
        monkeypatch.delitem(sys.modules, "tenant_plugin", raising=False)
        with pytest.raises(ConfigurationError, match=r"'broken'.*tenant-plugin.*broken on purpose"):
            make_plugin_manager()


class TestCodeRegistration:
    """Plugins can be registered in code, per publisher or process-wide."""

    def test_invalid_hook_signature_is_refused(self) -> None:
        """A hook implementation with unknown arguments fails validation."""

        class Wrong:
            from eventwire import hookimpl

            @hookimpl
            def eventwire_after_publish(self, event, receipt, extra):  # type: ignore[no-untyped-def]
                pass

        with pytest.raises(pluggy.PluginValidationError):
            make_plugin_manager([Wrong()], load_entry_points=False)

    def test_unknown_hook_is_refused(self) -> None:
        """A misspelt eventwire_ hook is reported rather than silently never called."""

        class Typo:
            from eventwire import hookimpl

            @hookimpl
            def eventwire_after_publsh(self, event):  # type: ignore[no-untyped-def]
                pass

        with pytest.raises(pluggy.PluginValidationError, match="unknown hook"):
            make_plugin_manager([Typo()], load_entry_points=False)

    def test_process_wide_registration(self) -> None:
        """register_plugin affects publishers using the shared plugin manager."""
        from eventwire.testing import RecordingBackend

        class Stamp:
            from eventwire import hookimpl

            @hookimpl
            def eventwire_before_publish(self, context):  # type: ignore[no-untyped-def]
                context.event = context.event.with_extensions(stamped="yes")

        stamp = Stamp()
        register_plugin(stamp)
        try:
            backend = RecordingBackend()
            with capture_events() as captured:
                Publisher(backend, source="s").publish(PersonCreated(person_id=1, name="a"))
            assert {"stamped": "yes"} == captured.events[0].extensions
        finally:
            unregister_plugin(stamp)
        Publisher(backend, source="s").publish(PersonCreated(person_id=2, name="b"))
        assert {} == backend.events()[1].extensions
