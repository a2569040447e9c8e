"""The import arrows between packages and between the emulator's layers."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "eventwire": ROOT / "packages/core/src/eventwire",
    "eventwire_kinesis": ROOT / "packages/kinesis_backend/src/eventwire_kinesis",
    "eventwire_emulator": ROOT / "packages/emulator/src/eventwire_emulator",
}
# eventwire.cli is the command line's API for plugins that add subcommands.
CORE_PUBLIC = {
    "eventwire",
    "eventwire.backends",
    "eventwire.cli",
    "eventwire.limits",
    "eventwire.schema",
    "eventwire.testing",
}


def imports_of(path: Path) -> list[str]:
    """Absolute module names imported by one source file (relative imports resolved)."""
    parts = path.with_suffix("").parts
    module = list(parts[parts.index("src") + 1 :])
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(module[: len(module) - node.level])
                names.append(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                names.append(node.module)
    return names


def sources(package: str, sub: str = "") -> list[Path]:
    return sorted((PACKAGES[package] / sub).rglob("*.py"))


def offenders(files: list[Path], bad: object) -> list[str]:
    return [
        f"{file.relative_to(ROOT)} imports {name}"
        for file in files
        for name in imports_of(file)
        if bad(name)  # type: ignore[operator]
    ]


def top(name: str) -> str:
    return name.split(".")[0]


class TestPackageArrows:
    """Core imports neither other package; the others import only core's public API."""

    def test_core_imports_neither_other_package(self) -> None:
        """Core never imports eventwire_kinesis or eventwire_emulator (or boto)."""
        forbidden = {"eventwire_kinesis", "eventwire_emulator", "boto3", "botocore"}
        assert [] == offenders(sources("eventwire"), lambda n: top(n) in forbidden)

    @pytest.mark.parametrize("package", ["eventwire_kinesis", "eventwire_emulator"])
    def test_others_use_only_core_public_api(self, package: str) -> None:
        """Backends and the emulator import eventwire and its public modules only."""
        assert [] == offenders(
            sources(package), lambda n: top(n) == "eventwire" and n not in CORE_PUBLIC
        )

    def test_backends_do_not_import_each_other(self) -> None:
        """The Kinesis backend and the emulator are independent distributions."""
        assert [] == offenders(
            sources("eventwire_kinesis"), lambda n: top(n) == "eventwire_emulator"
        )
        assert [] == offenders(
            sources("eventwire_emulator"), lambda n: top(n) == "eventwire_kinesis"
        )


class TestEmulatorLayers:
    """server -> wire -> model; the model is pure standard library."""

    def test_model_is_standard_library_only(self) -> None:
        """The model imports only the standard library and itself."""
        assert sources("eventwire_emulator", "model"), "the model package is missing"
        assert [] == offenders(
            sources("eventwire_emulator", "model"),
            lambda n: (
                not (top(n) in sys.stdlib_module_names or n.startswith("eventwire_emulator.model"))
            ),
        )

    def test_wire_sits_on_the_model_only(self) -> None:
        """The wire layer imports the standard library, the model and itself."""
        assert sources("eventwire_emulator", "wire"), "the wire package is missing"
        assert [] == offenders(
            sources("eventwire_emulator", "wire"),
            lambda n: (
                not (
                    top(n) in sys.stdlib_module_names
                    or n.startswith(("eventwire_emulator.model", "eventwire_emulator.wire"))
                )
            ),
        )

    def test_persistence_sits_beside_the_model(self) -> None:
        """Persistence imports the standard library and the model; the model not it."""
        assert sources("eventwire_emulator", "persistence"), "the persistence package is missing"
        assert [] == offenders(
            sources("eventwire_emulator", "persistence"),
            lambda n: (
                not (
                    top(n) in sys.stdlib_module_names
                    or n.startswith(("eventwire_emulator.model", "eventwire_emulator.persistence"))
                )
            ),
        )
        lower = sources("eventwire_emulator", "model") + sources("eventwire_emulator", "wire")
        assert [] == offenders(lower, lambda n: n.startswith("eventwire_emulator.persistence"))

    def test_server_never_imported_from_below(self) -> None:
        """Neither the model nor the wire layer imports the server or the adapters."""
        lower = sources("eventwire_emulator", "model") + sources("eventwire_emulator", "wire")
        upper = (
            "eventwire_emulator.server",
            "eventwire_emulator.boto",
            "eventwire_emulator.backend",
        )
        assert [] == offenders(lower, lambda n: n.startswith(upper))
