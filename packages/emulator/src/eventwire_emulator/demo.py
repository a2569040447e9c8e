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
    print("kinesis.put_record(...) ->", json.dumps(answer))

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
            shown = {"ShardId": result.shard_id, "SequenceNumber": result.sequence_number}
            print(f"publish({type(event).__name__}) ->", json.dumps(shown))

    print(f"\nreading {STREAM!r} back:")
    records = read_records(kinesis, STREAM)
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


if __name__ == "__main__":
    main()
