"""Fixtures shared by the core tests."""

from __future__ import annotations

import pluggy
import pytest

from eventwire.backends import make_plugin_manager


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager without entry-point plugins, so tests see only what they register."""
    return make_plugin_manager(load_entry_points=False)
