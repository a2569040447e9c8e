from __future__ import annotations

import pluggy
import pytest

from eventwire import (
    BackendError,
    ConfigurationError,
    DeliveryError,
    Event,
    InvalidEventError,
    InvalidPartitionKeyError,
    PublishContext,
    Publisher,
    PublisherClosedError,
    PublishFailure,
    PublishReceipt,
    PublishRejectedError,
    RecordTooLargeError,
    ThrottledError,
    UnknownBackendError,
    default_registry,
    hookimpl,
)
from eventwire.testing import RecordingBackend

from .sample_events import OrderPlaced, PersonCreated


@pytest.fixture
def recorder() -> RecordingBackend:
    return RecordingBackend(stream="people")


@pytest.fixture
def publisher(recorder: RecordingBackend, plugin_manager: pluggy.PluginManager) -> Publisher:
    return Publisher(recorder, source="svc", plugin_manager=plugin_manager)


class TestBackendChoice:
    """An explicit backend wins; otherwise a name is resolved through the plugins."""

    def test_explicit_backend_wins_over_environment(
        self, monkeypatch: pytest.MonkeyPatch, recorder: RecordingBackend
    ) -> None:
        """A Backend instance is used even when EVENTWIRE_BACKEND names another."""
        monkeypatch.setenv("EVENTWIRE_BACKEND", "does-not-exist")
        assert recorder is Publisher(recorder).backend

    def test_by_name(self, plugin_manager: pluggy.PluginManager) -> None:
        """backend='memory' builds the built-in recording backend with the stream given."""
        publisher = Publisher("memory", stream="orders", plugin_manager=plugin_manager)
        assert isinstance(publisher.backend, RecordingBackend)
        assert "orders" == publisher.backend.stream

    def test_from_environment(
        self, monkeypatch: pytest.MonkeyPatch, plugin_manager: pluggy.PluginManager
    ) -> None:
        """A bare Publisher() reads EVENTWIRE_BACKEND, EVENTWIRE_STREAM and EVENTWIRE_SOURCE."""
        monkeypatch.setenv("EVENTWIRE_BACKEND", "memory")
        monkeypatch.setenv("EVENTWIRE_STREAM", "env-stream")
        monkeypatch.setenv("EVENTWIRE_SOURCE", "env-source")
        publisher = Publisher(plugin_manager=plugin_manager)
        assert "env-stream" == publisher.backend.stream
        assert "env-source" == publisher.source

    def test_unknown_name_lists_installed(self, plugin_manager: pluggy.PluginManager) -> None:
        """An unknown backend name lists the installed ones."""
        with pytest.raises(UnknownBackendError, match=r"'nope'.*installed backends: memory"):
            Publisher("nope", plugin_manager=plugin_manager)

    def test_nothing_configured(
        self, monkeypatch: pytest.MonkeyPatch, plugin_manager: pluggy.PluginManager
    ) -> None:
        """Without a backend or EVENTWIRE_BACKEND the error says how to configure one."""
        monkeypatch.delenv("EVENTWIRE_BACKEND", raising=False)
        with pytest.raises(
            ConfigurationError, match=r"pass backend=\.\.\. or set EVENTWIRE_BACKEND"
        ):
            Publisher(plugin_manager=plugin_manager)

    def test_options_with_an_instance_are_refused(self, recorder: RecordingBackend) -> None:
        """Backend options make no sense with a ready backend."""
        with pytest.raises(ConfigurationError, match="only apply to a backend chosen by name"):
            Publisher(recorder, region="eu-west-1")

    def test_unknown_backend_option(self, plugin_manager: pluggy.PluginManager) -> None:
        """The backend's plugin rejects options it does not know."""
        with pytest.raises(ConfigurationError, match="takes no option"):
            Publisher("memory", plugin_manager=plugin_manager, region="x")

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"max_record_size": 0}, "between 1 and 10485760"),
            ({"max_record_size": 10 * 1024 * 1024 + 1}, "between 1 and"),
            ({"stream": " "}, "non-empty string"),
            ({"source": ""}, "non-empty string"),
        ],
    )
    def test_bad_settings(
        self, recorder: RecordingBackend, kwargs: dict[str, object], match: str
    ) -> None:
        """Settings are validated with a message naming the setting."""
        with pytest.raises(ConfigurationError, match=match):
            Publisher(recorder, **kwargs)  # type: ignore[arg-type]

    def test_bad_max_record_size_from_environment(
        self, monkeypatch: pytest.MonkeyPatch, recorder: RecordingBackend
    ) -> None:
        """A non-number in EVENTWIRE_MAX_RECORD_SIZE is named."""
        monkeypatch.setenv("EVENTWIRE_MAX_RECORD_SIZE", "1MB")
        with pytest.raises(ConfigurationError, match="EVENTWIRE_MAX_RECORD_SIZE='1MB'"):
            Publisher(recorder)

    def test_backend_of_wrong_type(self) -> None:
        """Something that is neither a Backend nor a name is refused."""
        with pytest.raises(ConfigurationError, match="Backend instance or a backend name"):
            Publisher(42)  # type: ignore[arg-type]


class TestPublish:
    """publish() sends one event and returns its receipt."""

    def test_receipt(self, publisher: Publisher, recorder: RecordingBackend) -> None:
        """The receipt names the event, backend, stream, shard and sequence number."""
        event = PersonCreated(person_id=1, name="Ann")
        receipt = publisher.publish(event)
        assert (
            PublishReceipt(
                event_id=event.id,
                backend="memory",
                stream="people",
                shard_id="shardId-000000000000",
                sequence_number="1".zfill(56),
                attempts=1,
            )
            == receipt
        )
        assert receipt.ok

    def test_published_event_decodes_equal(
        self, publisher: Publisher, recorder: RecordingBackend
    ) -> None:
        """The stored bytes decode to the event, stamped with the publisher's source."""
        event = PersonCreated(person_id=1, name="Ann")
        publisher.publish(event)
        assert [event.with_source("svc")] == recorder.events()

    def test_invalid_event_is_not_sent(
        self, publisher: Publisher, recorder: RecordingBackend
    ) -> None:
        """A key violation raises before anything reaches the backend."""
        with pytest.raises(InvalidPartitionKeyError):
            publisher.publish(PersonCreated.model_construct(person_id=None, name="x"))
        assert [] == recorder.records

    def test_not_an_event(self, publisher: Publisher) -> None:
        """Only Event instances can be published."""
        with pytest.raises(InvalidEventError, match="not dict"):
            publisher.publish({"person_id": 1})  # type: ignore[arg-type]

    def test_record_too_large(self, recorder: RecordingBackend) -> None:
        """The configured maximum record size is enforced."""
        publisher = Publisher(recorder, source="s", max_record_size=100)
        with pytest.raises(RecordTooLargeError, match="over the maximum record size of 100"):
            publisher.publish(PersonCreated(person_id=1, name="x" * 100))

    def test_backend_error_propagates(
        self, publisher: Publisher, recorder: RecordingBackend
    ) -> None:
        """A backend failure reaches the caller as the backend's eventwire error."""
        recorder.fail_next(ThrottledError("slow down", backend="memory", code="Throttled"))
        with pytest.raises(ThrottledError, match="slow down"):
            publisher.publish(PersonCreated(person_id=1, name="x"))

    def test_closed(self, publisher: Publisher) -> None:
        """A closed publisher refuses to publish; close is idempotent."""
        with publisher:
            pass
        publisher.close()
        with pytest.raises(PublisherClosedError):
            publisher.publish(PersonCreated(person_id=1, name="x"))
        with pytest.raises(PublisherClosedError):
            publisher.publish_many([])


class TestPublishMany:
    """publish_many() answers every event, in order."""

    def test_results_in_order_with_failures(
        self, publisher: Publisher, recorder: RecordingBackend
    ) -> None:
        """Invalid items and backend failures come back as failures in their places."""
        good1 = PersonCreated(person_id=1, name="a")
        bad_key = PersonCreated.model_construct(person_id=None, name="b")
        good2 = OrderPlaced(order_id="o", amount_cents=1)
        results = publisher.publish_many([good1, bad_key, "junk", good2])  # type: ignore[list-item]
        assert [True, False, False, True] == [result.ok for result in results]
        assert good1.id == results[0].event_id
        assert good2.id == results[3].event_id
        assert isinstance(results[1], PublishFailure)
        assert isinstance(results[1].error, InvalidPartitionKeyError)
        assert 0 == results[1].attempts
        assert isinstance(results[2], PublishFailure)
        assert isinstance(results[2].error, InvalidEventError)
        assert 2 == len(recorder.records)

    def test_backend_failures_are_failures(
        self, publisher: Publisher, recorder: RecordingBackend
    ) -> None:
        """A record the backend refuses is a failure carrying the error code."""
        recorder.fail_next(DeliveryError("boom", code="InternalFailure"))
        results = publisher.publish_many(
            [PersonCreated(person_id=1, name="a"), PersonCreated(person_id=2, name="b")]
        )
        assert [False, True] == [result.ok for result in results]
        failure = results[0]
        assert isinstance(failure, PublishFailure)
        assert "InternalFailure" == failure.code
        assert "boom" == failure.message
        assert failure.record is not None

    def test_empty(self, publisher: Publisher) -> None:
        """No events, no results."""
        assert [] == publisher.publish_many([])

    def test_backend_returning_wrong_count_is_caught(
        self, plugin_manager: pluggy.PluginManager
    ) -> None:
        """A backend that loses results is reported, not trusted."""

        class Lossy(RecordingBackend):
            def publish_many(self, records):  # type: ignore[no-untyped-def]
                return []

        publisher = Publisher(Lossy(), source="s", plugin_manager=plugin_manager)
        with pytest.raises(BackendError, match="returned 0 results for 1 records"):
            publisher.publish_many([PersonCreated(person_id=1, name="a")])


class TenantStamp:
    """A plugin that stamps a tenant id on every event."""

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    @hookimpl
    def eventwire_before_publish(self, context: PublishContext) -> None:
        context.event = context.event.with_extensions(tenantid=self.tenant)


class NoAnonymous:
    """A plugin that rejects people without a name."""

    @hookimpl
    def eventwire_before_publish(self, context: PublishContext) -> None:
        if isinstance(context.event, PersonCreated) and not context.event.name:
            context.reject("people need a name")


class Observer:
    """Records what the after/failed hooks see."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Event, PublishReceipt]] = []
        self.failed: list[tuple[Event | None, PublishFailure]] = []

    @hookimpl
    def eventwire_after_publish(self, event: Event, receipt: PublishReceipt) -> None:
        self.delivered.append((event, receipt))

    @hookimpl
    def eventwire_publish_failed(self, event: Event | None, failure: PublishFailure) -> None:
        self.failed.append((event, failure))


class TestHooks:
    """Plugins enrich, reject and observe events."""

    def test_enrich(self, recorder: RecordingBackend) -> None:
        """A before-publish hook's enrichment is what gets encoded."""
        publisher = Publisher(recorder, source="s", plugins=[TenantStamp("acme")])
        publisher.publish(PersonCreated(person_id=1, name="a"))
        assert {"tenantid": "acme"} == recorder.events()[0].extensions

    def test_reject(self, recorder: RecordingBackend) -> None:
        """A rejection raises with the plugin's reason and sends nothing."""
        observer = Observer()
        publisher = Publisher(recorder, source="s", plugins=[NoAnonymous(), observer])
        with pytest.raises(PublishRejectedError, match="people need a name") as info:
            publisher.publish(PersonCreated(person_id=1, name=""))
        assert "people need a name" == info.value.reason
        assert [] == recorder.records
        assert isinstance(observer.failed[0][1].error, PublishRejectedError)

    def test_reject_in_batch(self, recorder: RecordingBackend) -> None:
        """In a batch a rejection is that event's failure; the rest go out."""
        publisher = Publisher(recorder, source="s", plugins=[NoAnonymous()])
        results = publisher.publish_many(
            [PersonCreated(person_id=1, name=""), PersonCreated(person_id=2, name="b")]
        )
        assert [False, True] == [result.ok for result in results]

    def test_before_send_replaces_record(self, recorder: RecordingBackend) -> None:
        """A before-send hook sees the record and may replace it."""

        class Rekey:
            @hookimpl
            def eventwire_before_send(self, context: PublishContext) -> None:
                assert context.record is not None
                context.record = context.record._replace(partition_key="fixed")

        publisher = Publisher(recorder, source="s", plugins=[Rekey()])
        publisher.publish(PersonCreated(person_id=1, name="a"))
        assert "fixed" == recorder.records[0].partition_key

    def test_before_send_must_leave_a_record(self, recorder: RecordingBackend) -> None:
        """A hook that breaks the record is reported."""

        class Breaks:
            @hookimpl
            def eventwire_before_send(self, context: PublishContext) -> None:
                context.record = None

        publisher = Publisher(recorder, source="s", plugins=[Breaks()])
        with pytest.raises(InvalidEventError, match=r"set context\.record to None"):
            publisher.publish(PersonCreated(person_id=1, name="a"))

    def test_observers_see_stamped_events(self, recorder: RecordingBackend) -> None:
        """After-publish hooks see the event with its source and the receipt."""
        observer = Observer()
        publisher = Publisher(recorder, source="svc", plugins=[observer])
        event = PersonCreated(person_id=1, name="a")
        receipt = publisher.publish(event)
        assert [(event.with_source("svc"), receipt)] == observer.delivered

    def test_failed_hook_on_backend_failure(self, recorder: RecordingBackend) -> None:
        """Backend failures reach the failed hook with attempts and the record."""
        observer = Observer()
        publisher = Publisher(recorder, source="svc", plugins=[observer])
        recorder.fail_next(DeliveryError("down"))
        with pytest.raises(DeliveryError):
            publisher.publish(PersonCreated(person_id=1, name="a"))
        event, failure = observer.failed[0]
        assert event is not None
        assert 1 == failure.attempts
        assert failure.record is not None
        assert event.id == failure.event_id

    def test_hook_order_chains_enrichment(self, recorder: RecordingBackend) -> None:
        """Each before-publish hook sees the previous one's event."""
        publisher = Publisher(
            recorder, source="s", plugins=[TenantStamp("first"), TenantStamp("second")]
        )
        publisher.publish(PersonCreated(person_id=1, name="a"))
        # pluggy calls the most recently registered plugin first.
        assert "first" == default_registry.decode(recorder.records[0].data).extensions["tenantid"]
