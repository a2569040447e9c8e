"""The ``eventwire`` console script: says how to install the command line when it is missing."""

from __future__ import annotations

import sys

INSTALL_HINT = "pip install 'eventwire-core[cli]'"


def main() -> None:
    """Run the command line, or exit with one line when the ``cli`` extra is not installed."""
    try:
        import click  # noqa: F401  # only probing that the extra is installed
        import rich  # noqa: F401
    except ImportError as exc:
        sys.exit(
            f"eventwire: error: the command line needs the cli extra ({exc.name} is missing): "
            f"{INSTALL_HINT}"
        )
    from eventwire.cli.app import main as run

    run()
