from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from eventwire import SchemaError
from eventwire.schema import check, export, load_snapshot, main

V1 = """
from eventwire import Event, EventRegistry

registry = EventRegistry()


class UserCreated(Event, event_type="com.example.user.created", registry=registry):
    name: str
    plan: str = "free"
"""


def _module(tmp_path: Path, name: str, body: str) -> str:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
    return name


@pytest.fixture
def events_v1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A module of events importable from a temporary directory."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return _module(tmp_path, "schema_cli_events_v1", V1)


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


class TestExport:
    """export writes one schema per type and the AsyncAPI document."""

    def test_files(self, tmp_path: Path, events_v1: str) -> None:
        """events/<type>.schema.json and asyncapi.json, listed on stdout."""
        out_dir = tmp_path / "contract"
        status, printed = _run(
            "export", "-m", events_v1, "--registry", f"{events_v1}:registry",
            "--out", str(out_dir), "--stream", "users=com.example.user.",
        )  # fmt: skip
        assert 0 == status
        schema_file = out_dir / "events/com.example.user.created.v1.schema.json"
        assert f"wrote {schema_file}" in printed
        document = json.loads((out_dir / "asyncapi.json").read_text())
        assert ["users"] == list(document["channels"])
        assert ["com.example.user.created.v1"] == list(load_snapshot(out_dir))

    def test_stale_schemas_are_removed(self, tmp_path: Path, events_v1: str) -> None:
        """A schema file of a type no longer registered is deleted."""
        stale = tmp_path / "contract/events/old.v1.schema.json"
        stale.parent.mkdir(parents=True)
        stale.write_text("{}")
        _run("export", "-m", events_v1, "--registry", f"{events_v1}:registry",
             "--out", str(tmp_path / "contract"))  # fmt: skip
        assert not stale.exists()

    def test_import_error_is_a_usage_error(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unimportable module exits 2 with the reason, no traceback."""
        status, _ = _run("export", "-m", "no_such_module_xyz", "--out", str(tmp_path))
        assert 2 == status
        assert "cannot import 'no_such_module_xyz'" in capsys.readouterr().err

    def test_empty_registry(self, tmp_path: Path) -> None:
        """Nothing registered: a SchemaError, not an empty contract."""
        from eventwire import EventRegistry

        with pytest.raises(SchemaError, match="no event class is registered"):
            export(tmp_path, registry=EventRegistry())


class TestCheck:
    """check compares the classes with the committed snapshot, by mode."""

    def _export_v1(self, tmp_path: Path, module: str) -> Path:
        snapshot = tmp_path / "contract"
        status, _ = _run(
            "export", "-m", module, "--registry", f"{module}:registry", "--out", str(snapshot)
        )
        assert 0 == status
        return snapshot

    def test_unchanged_passes(self, tmp_path: Path, events_v1: str) -> None:
        """Same classes: exit 0 in FULL mode."""
        snapshot = self._export_v1(tmp_path, events_v1)
        status, printed = _run(
            "check", "-m", events_v1, "--registry", f"{events_v1}:registry",
            "--snapshot", str(snapshot), "--mode", "full",
        )  # fmt: skip
        assert (0, "no breaking change in FULL mode\n") == (status, printed)

    def test_breaking_change_fails_and_is_named(self, tmp_path: Path, events_v1: str) -> None:
        """A new required field: exit 1 naming the type, field and kind (BACKWARD default)."""
        snapshot = self._export_v1(tmp_path, events_v1)
        body = V1.replace('    plan: str = "free"', "    plan: str\n    age: int")
        v2 = _module(tmp_path, "schema_cli_events_v2", body)
        status, printed = _run(
            "check", "-m", v2, "--registry", f"{v2}:registry", "--snapshot", str(snapshot)
        )
        assert 1 == status
        assert (
            "BREAKING: com.example.user.created.v1 at data.age: required field added "
            "[breaks BACKWARD]"
        ) in printed
        assert "at data.plan: optional field became required" in printed
        assert "2 breaking change(s) in BACKWARD mode" in printed

    def test_compatible_change_passes_with_a_note(self, tmp_path: Path, events_v1: str) -> None:
        """An optional field added: BACKWARD passes, FORWARD fails, both say what changed."""
        snapshot = self._export_v1(tmp_path, events_v1)
        body = V1.replace('    plan: str = "free"', '    plan: str = "free"\n    age: int = 0')
        v2 = _module(tmp_path, "schema_cli_events_v3", body)
        result = check(snapshot, registry=__import__(v2).registry)
        assert result.ok
        assert ["com.example.user.created.v1"] == result.changed
        assert "re-export the schemas" in result.report()
        assert not check(snapshot, registry=__import__(v2).registry, mode="FORWARD").ok

    def test_missing_snapshot(self, tmp_path: Path, events_v1: str) -> None:
        """No snapshot yet: exit 2 saying how to make one."""
        status, _ = _run(
            "check", "-m", events_v1, "--registry", f"{events_v1}:registry",
            "--snapshot", str(tmp_path / "nowhere"),
        )  # fmt: skip
        assert 2 == status
        with pytest.raises(SchemaError, match="export"):
            load_snapshot(tmp_path / "nowhere")

    def test_corrupt_snapshot(self, tmp_path: Path) -> None:
        """A schema file that is not one export wrote is a SchemaError naming it."""
        bad = tmp_path / "events/x.schema.json"
        bad.parent.mkdir()
        bad.write_text("[1]")
        with pytest.raises(SchemaError, match=r"x\.schema\.json is not an event schema"):
            load_snapshot(tmp_path)

    def test_usage_names_the_mounting_program(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A command line mounting these commands passes its own name for usage lines."""
        with pytest.raises(SystemExit):
            main(["--help"], prog="eventwire schema")
        assert capsys.readouterr().out.startswith("usage: eventwire schema")

    def test_bad_mode_is_refused_by_the_parser(self, tmp_path: Path) -> None:
        """Argparse refuses an unknown mode (exit 2)."""
        with pytest.raises(SystemExit) as info:
            main(["check", "--snapshot", str(tmp_path), "--mode", "sideways"])
        assert 2 == info.value.code


class TestModuleEntryPoint:
    """python -m eventwire.schema runs the same commands."""

    def test_python_dash_m(self, tmp_path: Path, events_v1: str) -> None:
        """Export then check through the interpreter, as a CI step would."""
        env_path = f"{tmp_path}"
        base = [sys.executable, "-m", "eventwire.schema"]
        registry = ["-m", events_v1, "--registry", f"{events_v1}:registry"]
        exported = subprocess.run(
            [*base, "export", *registry, "--out", str(tmp_path / "c")],
            capture_output=True, text=True, env={"PYTHONPATH": env_path}, check=False,
        )  # fmt: skip
        assert 0 == exported.returncode, exported.stderr
        checked = subprocess.run(
            [*base, "check", *registry, "--snapshot", str(tmp_path / "c")],
            capture_output=True, text=True, env={"PYTHONPATH": env_path}, check=False,
        )  # fmt: skip
        assert (0, "no breaking change in BACKWARD mode\n") == (
            checked.returncode, checked.stdout
        )  # fmt: skip
