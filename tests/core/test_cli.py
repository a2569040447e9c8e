"""The eventwire command line's core: plugin subcommands, --version, backends, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

import eventwire.cli
from eventwire import ConfigurationError, StreamNotFoundError, __version__, hookimpl
from eventwire.cli import ExitCode, exit_code_for, import_modules, run
from eventwire.plugins import make_plugin_manager

EVENTWIRE = Path(sys.executable).parent / "eventwire"


def console(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script."""
    return subprocess.run(
        [str(EVENTWIRE), *args], capture_output=True, text=True, timeout=60, check=False, env=env
    )


class Greeter:
    """A third-party plugin adding a command and raising eventwire errors from it."""

    @hookimpl
    def eventwire_add_commands(self, group: click.Group) -> None:
        @group.command()
        @click.argument("name")
        def hello(name: str) -> int:
            """Say hello."""
            if name == "nobody":
                raise StreamNotFoundError("stream 'nobody' was not found")
            if name == "broken":
                raise ConfigurationError("set GREETING first")
            click.echo(f"hello {name}")
            return 0


class Duplicate:
    @hookimpl
    def eventwire_add_commands(self, group: click.Group) -> None:
        group.add_command(click.Command("backends", callback=lambda: None))


def manager(*plugins: object):  # type: ignore[no-untyped-def]
    return make_plugin_manager(plugins, load_entry_points=False)


class TestConsoleScript:
    """The installed eventwire script."""

    def test_version(self) -> None:
        done = console("--version")
        assert (0, f"eventwire {__version__}\n") == (done.returncode, done.stdout)

    def test_backends_lists_the_builtin_backend(self) -> None:
        done = console("backends")
        assert 0 == done.returncode, done.stderr
        assert "memory" in done.stdout
        assert f"eventwire-core {__version__}" in done.stdout

    def test_help_lists_commands_examples_and_exit_codes(self) -> None:
        done = console("--help")
        assert 0 == done.returncode
        assert "backends" in done.stdout
        assert "Examples" in done.stdout
        assert "130 interrupted" in done.stdout

    def test_schema_commands_are_mounted(self, tmp_path: Path) -> None:
        """The schema subcommand runs python -m eventwire.schema's commands under its name."""
        shown = console("schema", "--help")
        exported = console(
            "schema", "export", "--module", "no_such_events_module", "--out", str(tmp_path)
        )
        assert (0, 2) == (shown.returncode, exported.returncode)
        assert "usage: eventwire schema" in shown.stdout
        assert "no_such_events_module" in exported.stderr

    def test_spool_and_outbox_commands_are_mounted(self, tmp_path: Path) -> None:
        """The spool and outbox subcommands run python -m eventwire.spool/.outbox's commands."""
        from eventwire.backends import Record
        from eventwire.spool import Spool

        with Spool(tmp_path / "spool") as spool:
            spool.append([Record(b"data", "key")])
        shown = console("spool", "show", str(tmp_path / "spool"))
        missing = console("spool", "show", str(tmp_path / "elsewhere"))
        ddl = console("outbox", "ddl", "--dialect", "sqlite")
        assert (0, "records=1 bytes=7 dead=0 dead_bytes=0\n") == (shown.returncode, shown.stdout)
        assert 2 == missing.returncode
        assert "no spool directory" in missing.stderr
        assert not (tmp_path / "elsewhere").exists()
        assert (0, "usage: eventwire outbox") == (
            console("outbox", "--help").returncode,
            console("outbox", "--help").stdout[:23],
        )
        assert "CREATE TABLE" in ddl.stdout

    def test_unknown_command_is_a_usage_error(self) -> None:
        done = console("frobnicate")
        assert 2 == done.returncode
        assert "No such command" in done.stderr


class TestPluginCommands:
    """Plugins add subcommands through eventwire_add_commands."""

    def test_plugin_command_runs(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert 0 == run(["hello", "ada"], manager(Greeter()))
        assert "hello ada\n" == capsys.readouterr().out

    @pytest.mark.parametrize(
        ("name", "status", "message"),
        [
            ("nobody", ExitCode.SERVICE, "eventwire: error: stream 'nobody' was not found\n"),
            ("broken", ExitCode.CONFIGURATION, "eventwire: error: set GREETING first\n"),
        ],
    )
    def test_errors_are_one_line_with_their_exit_code(
        self, capsys: pytest.CaptureFixture[str], name: str, status: int, message: str
    ) -> None:
        assert status == run(["hello", name], manager(Greeter()))
        assert message == capsys.readouterr().err

    def test_two_plugins_may_not_take_one_name(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert ExitCode.CONFIGURATION == run(["backends"], manager(Duplicate()))
        assert "two eventwire plugins add the command 'backends'" in capsys.readouterr().err

    def test_usage_error_status_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert 2 == run(["hello"], manager(Greeter()))
        assert "Missing argument" in capsys.readouterr().err


class TestExitCodes:
    """What each error ends with."""

    def test_mapping(self) -> None:
        assert ExitCode.CONFIGURATION == exit_code_for(ConfigurationError("x"))
        assert ExitCode.SERVICE == exit_code_for(StreamNotFoundError("x"))
        assert ExitCode.FAILED == exit_code_for(eventwire.InvalidEventError("x"))

    def test_public_surface(self) -> None:
        assert [
            "CommandGroup", "ExitCode", "exit_code_for", "import_modules", "main", "make_cli",
            "run",
        ] == eventwire.cli.__all__  # fmt: skip


class TestImportModules:
    """--import loads event modules from the current directory or fails in one line."""

    def test_imports_from_the_current_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        (tmp_path / "my_events_for_cli.py").write_text("LOADED = True\n")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
        (module,) = import_modules(["my_events_for_cli"])
        assert module.LOADED is True

    def test_missing_module(self) -> None:
        with pytest.raises(ConfigurationError, match="--import no_such_module_here: cannot import"):
            import_modules(["no_such_module_here"])


class TestWithoutTheExtra:
    """The console script without click and rich installed."""

    def test_says_how_to_install(self) -> None:
        script = (
            "import sys; sys.modules['click'] = None; from eventwire.console import main; main()"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
        )
        assert 1 == done.returncode
        assert "pip install 'eventwire-core[cli]'" in done.stderr
        assert "Traceback" not in done.stderr
