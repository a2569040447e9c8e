"""Every task of the eventwire workspace: tests, lint, typecheck, integration, bench, demo.

Plain ``nox`` runs what CI runs. Each session installs from the committed
``uv.lock``, so every run resolves the same versions.
"""

from __future__ import annotations

import os
import shutil

import nox
from nox.virtualenv import UV

# uv as nox itself found it: on PATH, or installed beside nox (pipx run --spec 'nox[uv]').
UV_COMMAND = UV or "uv"

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["lint", "typecheck", "tests", "integration"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
PACKAGES = {
    "core": "eventwire-core",
    "kinesis_backend": "eventwire-kinesis",
    "emulator": "eventwire-emulator",
}
SOURCES = [f"packages/{directory}/src" for directory in PACKAGES]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_ENV = "EVENTWIRE_CHROMIUM"
# The official AsyncAPI JSON schemas, which the core tests validate exported documents against.
ASYNCAPI_SPECS = "@asyncapi/specs@6.11.1"
NPM_PREFIX = ".artifacts/npm"


def sync(session: nox.Session, *args: str) -> None:
    """Install exactly what the lock file says for ``args`` into the session's environment."""
    session.run_install(
        UV_COMMAND,
        "sync",
        "--frozen",
        "--exact",
        *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )


def find_chromium() -> str | None:
    """The Chromium the viewer's browser tests drive: ``EVENTWIRE_CHROMIUM`` or on PATH."""
    given = os.environ.get(CHROMIUM_ENV)
    if given:
        return given
    return next(filter(None, (shutil.which(name) for name in CHROMIUM_NAMES)), None)


def ensure_chromium(session: nox.Session) -> None:
    """Find Chromium, or install Debian's package with apt-get, saying so first."""
    found = find_chromium()
    if found is not None:
        session.log(f"browser tests use Chromium at {found}")
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        session.error(
            "the data viewer's browser tests need Chromium: install it (Debian/Ubuntu: "
            f"sudo apt-get install chromium) or set {CHROMIUM_ENV} to its path"
        )
    session.log(
        "INSTALLING a system package: Debian's chromium (about 100 MB download, 350 MB "
        "installed) with apt-get, for the data viewer's browser tests"
    )
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    session.run("apt-get", "update", "-qq", external=True, env=env)
    session.run("apt-get", "install", "-y", "-qq", "chromium", external=True, env=env)


@nox.session(python=False)
def browser(session: nox.Session) -> None:
    """Find Chromium for the viewer's browser tests, or install it (announced; apt-get, root)."""
    ensure_chromium(session)


@nox.session(python=PYTHON)
@nox.parametrize("package", list(PACKAGES))
def tests(session: nox.Session, package: str) -> None:
    """Run one package's tests with only that package's declared dependencies installed."""
    if package == "emulator":
        ensure_chromium(session)
    sync(session, "--package", PACKAGES[package], "--group", "test")
    if package == "core":
        install_asyncapi_specs(session)
    session.run("pytest", f"tests/{package}", *session.posargs)


def install_asyncapi_specs(session: nox.Session) -> None:
    """Install the @asyncapi/specs npm package (announced) for the AsyncAPI document tests."""
    session.log(f"installing {ASYNCAPI_SPECS} from npm into {NPM_PREFIX} for the schema tests")
    session.run(
        "npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", NPM_PREFIX,
        ASYNCAPI_SPECS, external=True,
    )  # fmt: skip


@nox.session(python=False)
def build(session: nox.Session) -> None:
    """Build the three distributions' wheels and sdists into dist/, for pip install."""
    shutil.rmtree("dist", ignore_errors=True)
    for directory in PACKAGES:
        session.run(
            UV_COMMAND, "build", "--out-dir", "dist", f"packages/{directory}", external=True
        )
    session.log("built into dist/: pip install dist/eventwire_core-*.whl ... (see README)")


@nox.session(python=PYTHON)
def integration(session: nox.Session) -> None:
    """Cross-package tests: contract suite, entry points, real servers (LocalStack, browsers)."""
    sync(session, "--all-packages", "--group", "test")
    session.run("pytest", "tests/contract", "tests/integration", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff: lint rules and formatting."""
    sync(session, "--only-group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Mypy --strict over every package's sources."""
    sync(session, "--all-packages", "--group", "typecheck")
    session.run("mypy", *SOURCES, "noxfile.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: print throughput and memory numbers and their ratios to baselines."""
    sync(session, "--all-packages", "--group", "bench")
    session.run("python", "-m", "benchmarks", *session.posargs, env={"PYTHONPATH": os.getcwd()})


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """Publish typed events to the embedded emulator and read them back."""
    sync(session, "--all-packages")
    session.run("python", "-m", "eventwire_emulator.demo", *session.posargs)
