"""Test doubles for eventwire users: a recording backend, event capture, a schema registry."""

from __future__ import annotations

from eventwire.testing.capture import CapturedEvents, capture_events
from eventwire.testing.recording import RecordingBackend
from eventwire.testing.schema_registry import InMemorySchemaRegistry

__all__ = ["CapturedEvents", "InMemorySchemaRegistry", "RecordingBackend", "capture_events"]
