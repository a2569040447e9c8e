"""Producer metrics under the Kinesis Producer Library's names, meanings and dimensions.

The names, units and meanings are those of "Monitor the Kinesis Producer Library
with Amazon CloudWatch" (Kinesis Data Streams developer guide, List of metrics);
attributes use KPL's dimension names ``StreamName``, ``ShardId`` and
``ErrorCode`` so dashboards built on KPL metrics carry over. Only producers'
requests count (``Producer`` and ``AsyncProducer``), as only a producer
buffers. ``RetriesPerRecord`` is recorded, as KPL defines it, "at the moment a
user record finishes (when it either succeeds or can no longer be retried)":
for each delivered user record and for each one the producer gave up on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventwire.errors import ConfigurationError
from eventwire.records import PublishReceipt

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from opentelemetry.metrics import Counter, Histogram, Meter, UpDownCounter
    from opentelemetry.sdk.metrics.view import View

    from eventwire.calls import Call


SCOPE = "eventwire"
"""The instrumentation scope name of eventwire's tracer and meter."""

EXPIRED_CODE = "Timeout"
"""The code producers give user records that ran out of time (record TTL or close)."""


# KPL name, instrument kind, unit, meaning (from the KPL's list of metrics).
_INSTRUMENTS = (
    ("UserRecordsReceived", "counter", "{record}", "User records the producer accepted."),
    ("UserRecordsPending", "updown", "{record}", "User records buffered or in flight."),
    ("UserRecordsPut", "counter", "{record}", "User records written successfully."),
    ("UserRecordsDataPut", "counter", "By", "Bytes of the user records written successfully."),
    ("KinesisRecordsPut", "counter", "{record}", "Kinesis records written (aggregates once)."),
    ("KinesisRecordsDataPut", "counter", "By", "Bytes of the Kinesis records written."),
    ("ErrorsByCode", "counter", "{error}", "Record and request errors, by error code."),
    ("AllErrors", "counter", "{error}", "The errors of ErrorsByCode, not broken down."),
    ("RetriesPerRecord", "histogram", "{retry}", "Retries a user record took (0 in one try)."),
    ("UserRecordExpired", "counter", "{record}", "User records that ran out of time."),
    ("BufferingTime", "histogram", "ms", "Time a user record waited before being sent."),
    ("RequestTime", "histogram", "ms", "Time a PutRecords request took."),
    ("UserRecordsPerKinesisRecord", "histogram", "{record}", "User records per Kinesis record."),
    ("KinesisRecordsPerPutRecordsRequest", "histogram", "{record}", "Kinesis records per request."),
    ("UserRecordsPerPutRecordsRequest", "histogram", "{record}", "User records per request."),
)
_ATTRIBUTE = {
    "UserRecordsReceived": "received",
    "UserRecordsPending": "pending",
    "UserRecordsPut": "put",
    "UserRecordsDataPut": "data_put",
    "KinesisRecordsPut": "kinesis_put",
    "KinesisRecordsDataPut": "kinesis_data_put",
    "ErrorsByCode": "errors_by_code",
    "AllErrors": "all_errors",
    "RetriesPerRecord": "retries",
    "UserRecordExpired": "expired",
    "BufferingTime": "buffering",
    "RequestTime": "request_time",
    "UserRecordsPerKinesisRecord": "per_kinesis",
    "KinesisRecordsPerPutRecordsRequest": "kinesis_per_request",
    "UserRecordsPerPutRecordsRequest": "user_per_request",
}


KPL_METRICS = tuple(name for name, *_ in _INSTRUMENTS)
"""Every metric this module records, by its KPL name."""


class KplMetrics:
    """The KPL's producer metrics as OpenTelemetry instruments; thread-safe."""

    received: Counter
    pending: UpDownCounter
    put: Counter
    data_put: Counter
    kinesis_put: Counter
    kinesis_data_put: Counter
    errors_by_code: Counter
    all_errors: Counter
    retries: Histogram
    expired: Counter
    buffering: Histogram
    request_time: Histogram
    per_kinesis: Histogram
    kinesis_per_request: Histogram
    user_per_request: Histogram

    def __init__(self, meter: Meter) -> None:
        makers: dict[str, Callable[[str, str, str], object]] = {
            "counter": meter.create_counter,
            "histogram": meter.create_histogram,
            "updown": meter.create_up_down_counter,
        }
        for name, kind, unit, meaning in _INSTRUMENTS:
            setattr(self, _ATTRIBUTE[name], makers[kind](name, unit, meaning))

    def queued(self, stream: str, records: int) -> None:
        """User records entered a producer's buffer."""
        attributes = {"StreamName": stream}
        self.received.add(records, attributes)
        self.pending.add(records, attributes)

    def settled(self, stream: str, records: int, code: str | None, *, failed: bool) -> None:
        """User records left a producer for good (delivered, or failed with ``code``)."""
        self.pending.add(-records, {"StreamName": stream})
        if failed and code == EXPIRED_CODE:
            self.expired.add(records, {"StreamName": stream})

    def gave_up(self, stream: str, retries: Sequence[int]) -> None:
        """User records a producer will not retry again finished after ``retries`` each."""
        attributes = {"StreamName": stream}
        for count in retries:
            self.retries.record(count, attributes)

    def request(self, call: Call) -> None:
        """A producer's PutRecords request ended."""
        stream = {"StreamName": call.stream}
        self.request_time.record(call.duration * 1000.0, stream)
        self.kinesis_per_request.record(len(call.records), stream)
        self.user_per_request.record(sum(call.user_records), stream)
        for waited in call.buffered:
            self.buffering.record(waited * 1000.0, stream)
        # Per shard: [user records, user bytes, Kinesis records, Kinesis bytes] written.
        written: dict[str | None, list[int]] = {}
        errors: dict[tuple[str | None, str], int] = {}
        results = call.results or ()
        first_user = 0  # index in call.attempts of this Kinesis record's first user record
        for index, record in enumerate(call.records):
            users = call.user_records[index] if index < len(call.user_records) else 1
            shard = call.shard_id
            result = results[index] if index < len(results) else None
            if isinstance(result, PublishReceipt):
                shard = result.shard_id
                # Delivered now: retries are the sends before this one.
                for retries in call.attempts[first_user : first_user + users]:
                    self.retries.record(retries, stream)
                totals = written.setdefault(shard, [0, 0, 0, 0])
                totals[0] += users
                totals[1] += call.user_bytes[index] if index < len(call.user_bytes) else 0
                totals[2] += 1
                totals[3] += record.size
            else:
                failure = call.error if result is None else result.error
                code = getattr(failure, "code", None) or type(failure).__name__
                errors[shard, code] = errors.get((shard, code), 0) + 1
            self.per_kinesis.record(users, _with_shard(stream, shard))
            first_user += users
        for shard, (users, user_bytes, kinesis, kinesis_bytes) in written.items():
            attributes = _with_shard(stream, shard)
            self.put.add(users, attributes)
            self.data_put.add(user_bytes, attributes)
            self.kinesis_put.add(kinesis, attributes)
            self.kinesis_data_put.add(kinesis_bytes, attributes)
        for (shard, code), count in errors.items():
            attributes = _with_shard(stream, shard)
            self.all_errors.add(count, attributes)
            self.errors_by_code.add(count, {**attributes, "ErrorCode": code})


def _with_shard(stream: dict[str, str], shard: str | None) -> dict[str, str]:
    return stream if shard is None else {**stream, "ShardId": shard}


def kpl_views() -> list[View]:
    """SDK views that keep the KPL names' case, which the OpenTelemetry SDK would lower.

    Pass them to ``MeterProvider(views=...)`` so exported names read ``UserRecordsPut``,
    not ``userrecordsput``, as KPL dashboards expect.

    Raises:
        ConfigurationError: opentelemetry-sdk is not installed.
    """
    try:
        from opentelemetry.sdk.metrics.view import View
    except ImportError as exc:
        raise ConfigurationError(
            "kpl_views configures the OpenTelemetry SDK: pip install opentelemetry-sdk"
        ) from exc
    return [View(instrument_name=name, meter_name=SCOPE, name=name) for name in KPL_METRICS]
