"""OpenTelemetry for eventwire: PRODUCER spans, W3C context in events, KPL producer metrics.

Needs the ``otel`` extra (``pip install 'eventwire-core[otel]'``).
"""

from __future__ import annotations

from eventwire.otel.metrics import KPL_METRICS, kpl_views
from eventwire.otel.plugin import OtelPlugin
from eventwire.otel.spans import SYSTEM

plugin = OtelPlugin()
"""A plugin on the global tracer and meter providers, for ``eventwire`` entry points."""

__all__ = ["KPL_METRICS", "SYSTEM", "OtelPlugin", "kpl_views", "plugin"]
