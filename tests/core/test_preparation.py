from __future__ import annotations

import pluggy
import pytest

from eventwire import InvalidEventError, PublishContext, PublishFailure, hookimpl
from eventwire.backends import Record
from eventwire.preparation import EventPreparer
from eventwire.settings import PublisherSettings

from .sample_events import PersonCreated


def _preparer(plugin_manager: pluggy.PluginManager, *plugins: object) -> EventPreparer:
    for plugin in plugins:
        plugin_manager.register(plugin)
    settings = PublisherSettings.resolve(
        backend=None, stream="s", source="src", max_record_size=None
    )
    return EventPreparer(plugin_manager, settings, "memory", "s")


class Stamp:
    """Stamps a subject and records what the hooks saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []

    @hookimpl
    def eventwire_before_publish(self, context: PublishContext) -> None:
        self.seen.append((context.backend, context.stream, context.event.source))
        context.event = context.event.model_copy(update={"subject": "stamped"})


class Failures:
    """Collects reported failures."""

    def __init__(self) -> None:
        self.failures: list[PublishFailure] = []

    @hookimpl
    def eventwire_publish_failed(self, event: object, failure: PublishFailure) -> None:
        self.failures.append(failure)


class TestEventPreparer:
    """The preparation Publisher and the producers share."""

    def test_no_hooks_active(self, plugin_manager: pluggy.PluginManager) -> None:
        """Without plugins nothing is active and the record carries the default source."""
        preparer = _preparer(plugin_manager)
        active = preparer.active()
        assert False is active.any
        event, record = preparer.prepare(PersonCreated(person_id=1, name="a"), active)
        assert "1" == record.partition_key
        assert event.source is None  # the encoder stamps it without copying the model

    def test_hooks_see_stamped_event_and_target(self, plugin_manager: pluggy.PluginManager) -> None:
        """Hooks get the backend, the stream and the event with its source."""
        stamp = Stamp()
        preparer = _preparer(plugin_manager, stamp)
        event, _ = preparer.prepare(PersonCreated(person_id=1, name="a"), preparer.active())
        assert [("memory", "s", "src")] == stamp.seen
        assert "stamped" == event.subject

    def test_not_an_event(self, plugin_manager: pluggy.PluginManager) -> None:
        """Anything but an Event is refused with its type named."""
        preparer = _preparer(plugin_manager)
        with pytest.raises(InvalidEventError, match="not dict"):
            preparer.prepare({}, preparer.active())

    def test_failed_reports_with_record_id(self, plugin_manager: pluggy.PluginManager) -> None:
        """A failure without an event takes the record's event id and reaches the hooks."""
        failures = Failures()
        preparer = _preparer(plugin_manager, failures)
        error = InvalidEventError("bad")
        failure = preparer.failed(None, error, Record(b"x", "k", event_id="e-1"))
        assert "e-1" == failure.event_id
        assert [failure] == failures.failures
