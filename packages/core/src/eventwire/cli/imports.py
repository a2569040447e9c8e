"""``--import``: load the modules that define a service's event classes."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

from eventwire.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import ModuleType


def import_modules(names: Iterable[str]) -> list[ModuleType]:
    """Import each dotted module name, so its ``Event`` classes join the default registry.

    The current directory is searched first, as ``python -m`` does, so that
    ``--import my_service.events`` works from a project's root.

    Raises:
        ConfigurationError: a module cannot be imported; the message keeps the reason.
    """
    names = list(names)
    if names and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except Exception as exc:
            raise ConfigurationError(
                f"--import {name}: cannot import it ({type(exc).__name__}: {exc}); "
                "give a dotted module name importable from the current directory or "
                "the installed packages"
            ) from exc
    return modules
