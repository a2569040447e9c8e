"""Test doubles for eventwire users: a recording backend and event capture."""

from __future__ import annotations

from eventwire.testing.capture import CapturedEvents, capture_events
from eventwire.testing.recording import RecordingBackend

__all__ = ["CapturedEvents", "RecordingBackend", "capture_events"]
