from __future__ import annotations

import pytest

from eventwire import DeliveryError, Publisher
from eventwire.backends import make_plugin_manager
from eventwire.testing import RecordingBackend, capture_events

from .sample_events import OrderPlaced, PersonCreated


class TestRecordingBackend:
    """The recording backend keeps records and can be told to fail."""

    def test_keeps_records_and_decodes_them(self) -> None:
        """Records are kept in order and decode to typed events."""
        backend = RecordingBackend()
        publisher = Publisher(backend, source="s", plugin_manager=make_plugin_manager())
        first, second = (
            PersonCreated(person_id=1, name="a"),
            OrderPlaced(order_id="o", amount_cents=2),
        )
        publisher.publish_many([first, second])
        assert [first.with_source("s"), second.with_source("s")] == backend.events()
        backend.clear()
        assert [] == backend.records

    def test_fail_next(self) -> None:
        """fail_next makes exactly the next N publishes fail."""
        backend = RecordingBackend()
        backend.fail_next(DeliveryError("x"), count=2)
        publisher = Publisher(backend, source="s", plugin_manager=make_plugin_manager())
        results = publisher.publish_many([PersonCreated(person_id=i, name="n") for i in range(3)])
        assert [False, False, True] == [result.ok for result in results]


class TestCapture:
    """capture_events collects deliveries and asserts on them with helpful messages."""

    def test_assert_published(self) -> None:
        """A matching event is returned; a missing one fails with what was published."""
        publisher = Publisher(RecordingBackend(), source="s", plugin_manager=make_plugin_manager())
        with capture_events(publisher) as captured:
            publisher.publish(PersonCreated(person_id=7, name="Gus"))
        assert 7 == captured.assert_published(PersonCreated, name="Gus").person_id
        captured.assert_types(PersonCreated)
        with pytest.raises(
            AssertionError,
            match=r"no com\.example\.person\.created\.v1 event with name='Bob'(.|\n)*'name': 'Gus'",
        ):
            captured.assert_published(PersonCreated, name="Bob")
        with pytest.raises(AssertionError, match="expected event types"):
            captured.assert_types(OrderPlaced)
        with pytest.raises(AssertionError, match="expected no events"):
            captured.assert_nothing_published()

    def test_capture_ends_with_the_block(self) -> None:
        """Nothing is captured after the block."""
        publisher = Publisher(RecordingBackend(), source="s", plugin_manager=make_plugin_manager())
        with capture_events(publisher) as captured:
            pass
        publisher.publish(PersonCreated(person_id=1, name="a"))
        captured.assert_nothing_published()

    def test_failures_are_captured(self) -> None:
        """Failures are kept too."""
        backend = RecordingBackend()
        publisher = Publisher(backend, source="s", plugin_manager=make_plugin_manager())
        backend.fail_next(DeliveryError("down"))
        with capture_events(publisher.plugin_manager) as captured:
            publisher.publish_many([PersonCreated(person_id=1, name="a")])
        assert ["down"] == [failure.message for failure in captured.failures]


class TestPytestPlugin:
    """The pytest11 entry point gives users fixtures without any conftest."""

    def test_fixtures_in_a_user_project(self, pytester: pytest.Pytester) -> None:
        """A user's test module can use the fixtures out of the box."""
        pytester.makepyfile(
            """
            from eventwire import Event

            class Signup(Event, partition_key="email"):
                email: str

            def register(publisher, email):
                publisher.publish(Signup(email=email))

            def test_register(eventwire_publisher, eventwire_capture, eventwire_recorder):
                register(eventwire_publisher, "a@example.com")
                eventwire_capture.assert_published(Signup, email="a@example.com")
                assert ["a@example.com"] == [r.partition_key for r in eventwire_recorder.records]

            def test_detects_missing(eventwire_capture):
                eventwire_capture.assert_published(Signup, email="nobody")
            """
        )
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["*no Signup.v1 event with email='nobody'*"])
