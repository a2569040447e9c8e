"""Schema contracts: publish rate with Glue Schema Registry framing on vs off; upcast decoding."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from eventwire import Event, EventRegistry, Publisher
from eventwire.backends import encode, make_plugin_manager
from eventwire.schema import GlueSchemaDecoder, GlueSchemaSerializer
from eventwire_emulator import EmulatorBackend, Kinesis

BATCH = 500
CHUNK = 2_000
ROUNDS = 60
TARGET = 0.80

registry = EventRegistry()


class OrderPlacedV1(
    Event, event_type="bench.order.placed", partition_key="order_id", registry=registry
):
    """The old shape: one amount in cents."""

    order_id: str
    amount_cents: int


class OrderPlaced(
    Event, event_type="bench.order.placed", version=2, partition_key="order_id", registry=registry
):
    """The current shape: amount and currency."""

    order_id: str
    amount: int
    currency: str


@registry.upcaster("bench.order.placed", 1)
def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": data["order_id"], "amount": data["amount_cents"], "currency": "EUR"}


def _events(count: int) -> list[OrderPlaced]:
    return [OrderPlaced(order_id=f"o{n}", amount=n, currency="EUR") for n in range(count)]


def _alternate(cases: dict[str, Callable[[], None]]) -> dict[str, float]:
    """Seconds per run of each case: the median of ROUNDS runs taken in turn.

    Short runs in alternation put a neighbour's load on every case alike, and the
    median drops the runs it hit hardest (the machine is shared).
    """
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, case in cases.items():
            started = time.perf_counter()
            case()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(runs) for name, runs in timings.items()}


def publish_rates() -> tuple[float, float, int]:
    """Events/s through Publisher -> emulator, plain and GSR-framed (schema on moto's Glue)."""
    import boto3
    from moto import mock_aws

    from eventwire_kinesis import GlueSchemaRegistryClient

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    events = _events(CHUNK)
    calls: list[str] = []
    with mock_aws():
        glue = boto3.client("glue", region_name="us-east-1")
        glue.meta.events.register(
            "provide-client-params.glue", lambda model, **_: calls.append(model.name)
        )
        serializer = GlueSchemaSerializer(GlueSchemaRegistryClient(glue), registry=registry)
        publishers = {
            name: Publisher(
                EmulatorBackend(Kinesis(), stream="bench", shard_count=4),
                source="bench",
                plugin_manager=make_plugin_manager(plugins, load_entry_points=False),
            )
            for name, plugins in (("plain", []), ("framed", [serializer]))
        }

        def publish(publisher: Publisher) -> Callable[[], None]:
            def run() -> None:
                for start in range(0, CHUNK, BATCH):
                    publisher.publish_many(events[start : start + BATCH])

            return run

        seconds = _alternate({name: publish(p) for name, p in publishers.items()})
    return CHUNK / seconds["plain"], CHUNK / seconds["framed"], len(calls)


def decode_rates() -> tuple[float, float, float]:
    """Records/s: plain decode of v2, decode of v1 upcast to v2, and framed v2 decode."""
    from eventwire.testing import InMemorySchemaRegistry

    current = [encode(e, source="bench") for e in _events(CHUNK)]
    old = [
        encode(OrderPlacedV1(order_id=f"o{n}", amount_cents=n), source="bench")
        for n in range(CHUNK)
    ]
    schemas = InMemorySchemaRegistry()
    serializer = GlueSchemaSerializer(schemas, registry=registry)
    framed = [serializer.serialize(data, OrderPlaced.type) for data in current]
    decoder = GlueSchemaDecoder(schemas, registry=registry)
    assert type(registry.decode(old[0])) is OrderPlaced

    def decoding(decode: Callable[[bytes], Event], records: list[bytes]) -> Callable[[], None]:
        def run() -> None:
            for data in records:
                decode(data)

        return run

    seconds = _alternate(
        {
            "plain": decoding(registry.decode, current),
            "upcast": decoding(registry.decode, old),
            "framed": decoding(decoder.decode, framed),
        }
    )
    return CHUNK / seconds["plain"], CHUNK / seconds["upcast"], CHUNK / seconds["framed"]


def _verdict(ratio: float) -> str:
    return "meets" if ratio >= TARGET else "MISSES"


def run() -> None:
    """Print the rates and their ratios against the baselines measured in the same run."""
    plain, framed, glue_calls = publish_rates()
    ratio = framed / plain
    print(f"publish_many, GSR off (baseline)    {plain:>10,.0f} events/s")
    print(f"publish_many, GSR on (moto Glue)    {framed:>10,.0f} events/s")
    print(
        f"  ratio on/off {ratio:.2f} ({_verdict(ratio)} the {TARGET:.0%} target); "
        f"Glue requests for {ROUNDS * CHUNK:,} events: {glue_calls}"
    )
    decoded, upcast, framed_decode = decode_rates()
    ratio = upcast / decoded
    print(f"decode v2 (baseline)                {decoded:>10,.0f} records/s")
    print(f"decode v1 + one upcast to v2        {upcast:>10,.0f} records/s")
    print(f"  ratio upcast/plain {ratio:.2f} ({_verdict(ratio)} the {TARGET:.0%} target)")
    print(
        f"decode GSR-framed v2                {framed_decode:>10,.0f} records/s "
        f"(ratio to plain {framed_decode / decoded:.2f})"
    )
