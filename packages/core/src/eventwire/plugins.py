"""The plugin manager: hookspecs, built-in plugins, ``eventwire`` entry points, validation."""

from __future__ import annotations

import importlib.metadata
import os
import threading
from typing import TYPE_CHECKING

import pluggy

from eventwire import builtin_plugin, hookspecs
from eventwire.errors import ConfigurationError, UnknownBackendError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from eventwire.backend import Backend

ENTRY_POINT_GROUP = "eventwire"
"""Distributions expose plugins under this entry-point group."""

DISABLE_AUTOLOAD_ENV = "EVENTWIRE_DISABLE_PLUGIN_AUTOLOAD"
"""Set to a non-empty value to skip entry-point plugins (hermetic runs)."""

BUILTIN = "eventwire.builtin"
"""The name core's own plugin is registered under."""

_shared: pluggy.PluginManager | None = None
_shared_lock = threading.Lock()


def make_plugin_manager(
    plugins: Iterable[object] = (), *, load_entry_points: bool | None = None
) -> pluggy.PluginManager:
    """Build a plugin manager with the hookspecs, built-ins, entry points and ``plugins``.

    Args:
        plugins: extra plugin objects or modules to register.
        load_entry_points: load the ``eventwire`` entry-point group; by default yes,
            unless ``EVENTWIRE_DISABLE_PLUGIN_AUTOLOAD`` is set.

    Raises:
        pluggy.PluginValidationError: a plugin implements a hook with a wrong signature
            or a hook that does not exist.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_plugin, name=BUILTIN)
    if load_entry_points is None:
        load_entry_points = not os.environ.get(DISABLE_AUTOLOAD_ENV)
    if load_entry_points:
        _load_entry_points(manager)
    for plugin in plugins:
        manager.register(plugin)
    manager.check_pending()
    return manager


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:
            dist = entry_point.dist.name if entry_point.dist else "an unknown distribution"
            raise ConfigurationError(
                f"the eventwire plugin {entry_point.name!r} ({entry_point.value}) from "
                f"{dist} failed to load: {exc!r}; reinstall or remove that distribution, "
                f"or set {DISABLE_AUTOLOAD_ENV}=1 to skip entry-point plugins"
            ) from exc
        manager.register(plugin, name=entry_point.name)


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager that publishers use unless given their own."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = make_plugin_manager()
        return _shared


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register ``plugin`` on the process-wide plugin manager (affects every publisher using it)."""
    manager = get_plugin_manager()
    manager.register(plugin, name=name)
    manager.check_pending()


def unregister_plugin(plugin: object) -> None:
    """Remove ``plugin`` from the process-wide plugin manager, if registered."""
    manager = get_plugin_manager()
    if manager.is_registered(plugin):
        manager.unregister(plugin)


def available_backends(manager: pluggy.PluginManager | None = None) -> list[str]:
    """Every backend name the installed plugins provide, sorted."""
    manager = manager or get_plugin_manager()
    names: set[str] = set()
    for provided in manager.hook.eventwire_list_backends():
        names.update(provided)
    return sorted(names)


def make_backend(
    name: str,
    options: Mapping[str, object],
    manager: pluggy.PluginManager | None = None,
) -> Backend:
    """Build the backend called ``name`` through the plugins.

    Raises:
        UnknownBackendError: no plugin provides ``name``; the message lists those installed.
        ConfigurationError: the plugin rejected the options.
    """
    from eventwire.backend import Backend

    manager = manager or get_plugin_manager()
    backend = manager.hook.eventwire_make_backend(name=name, options=options)
    if backend is None:
        raise UnknownBackendError(name, available_backends(manager))
    if not isinstance(backend, Backend):
        raise ConfigurationError(
            f"the plugin providing backend {name!r} returned {backend!r}, not a Backend"
        )
    return backend
