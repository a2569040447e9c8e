"""The Quickstart demo: the AWS walkthrough's put_record and typed events, on the emulator."""

from __future__ import annotations

import json
from collections import Counter

from eventwire import Event, Publisher, default_registry
from eventwire_emulator.backend import EmulatorBackend
from eventwire_emulator.boto import client
from eventwire_emulator.model import Kinesis
from eventwire_emulator.reading import read_records

STREAM = "demo-stream"
SHARDS = 4

NEXT_STEPS = """\
what to try next (from this clone: uv sync --all-packages, then prefix each with uv run;
in your own project: README, "Install in your project"):
  eventwire serve --stream orders:4        the same emulator as a server on :4567
  http://127.0.0.1:4567/viewer             its data viewer: shards, records, decoded events
  export AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:4567 AWS_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  eventwire publish orders events.jsonl    JSON lines of CloudEvents, through a Producer
  eventwire tail orders --follow           every shard, decoded; --import your.events for types
"""


def short(sequence_number: str) -> str:
    """A sequence number shortened for reading: its first 4 and last 8 digits."""
    if len(sequence_number) <= 16:
        return sequence_number
    return f"{sequence_number[:4]}…{sequence_number[-8:]}"


class PersonCreated(Event, event_type="eventwire.demo.person.created", partition_key="person_id"):
    """A person signed up."""

    person_id: int
    name: str


class OrderPlaced(Event, event_type="eventwire.demo.order.placed", partition_key="order_id"):
    """A person placed an order."""

    order_id: str
    person_id: int
    amount_cents: int


def main() -> None:
    """Publish, print put_record-style answers, then read the stream back shard by shard."""
    kinesis = Kinesis()
    kinesis.create_stream(STREAM, SHARDS)
    print(f"created stream {STREAM!r} with {SHARDS} shards in the embedded emulator\n")

    # The AWS docs walkthrough, unchanged, on a real boto3 client served in-process.
    boto = client(kinesis)
    response = boto.put_record(
        StreamName=STREAM, Data=json.dumps({"personId": 1}), PartitionKey="1"
    )
    answer = {key: response[key] for key in ("ShardId", "SequenceNumber", "EncryptionType")}
    answer["SequenceNumber"] = short(answer["SequenceNumber"])
    print("kinesis.put_record(...) ->", json.dumps(answer, ensure_ascii=False))
    print("(sequence numbers have 56 digits; shown here as the first 4 … the last 8)\n")

    events: list[Event] = [
        PersonCreated(person_id=person_id, name=name)
        for person_id, name in enumerate(["Ada", "Grace", "Barbara", "Radia", "Frances"], 1)
    ]
    events += [
        OrderPlaced(order_id=f"order-{n}", person_id=n % 5 + 1, amount_cents=100 * n)
        for n in range(1, 8)
    ]
    backend = EmulatorBackend(kinesis, stream=STREAM)
    with Publisher(backend, source="/demo/signup-service") as publisher:
        for event, result in zip(events, publisher.publish_many(events), strict=True):
            if not result.ok:
                raise SystemExit(f"{type(event).type} failed: {result}")
            call = f"publish({type(event).__name__})"
            print(f"{call:<24} -> {result.shard_id}  seq {short(result.sequence_number)}")

    records = read_records(kinesis, STREAM)
    first = next(r for r in records if r.data.startswith(b'{"specversion"'))
    print("\none record's data, a CloudEvents 1.0 envelope (every event is stored like this):")
    print(json.dumps(json.loads(first.data), indent=2))

    print(f"\nreading {STREAM!r} back:")
    for record in records:
        try:
            event = default_registry.decode(record.data)
            text = f"{type(event).__name__} {event.payload()}"
        except ValueError:
            text = f"raw {record.data.decode(errors='replace')}"
        print(f"  {record.shard_id}  key={record.partition_key:<8} {text}")
    spread = Counter(record.shard_id for record in records)
    print("\nrecords per shard:")
    for shard in kinesis.list_shards(STREAM).shards:
        count = spread.get(shard.shard_id, 0)
        print(f"  {shard.shard_id}  {'#' * count:<12} {count}")
    print("\n" + NEXT_STEPS, end="")


if __name__ == "__main__":
    main()
