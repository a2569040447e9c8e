"""Child process of the spool crash test: publish through a spooled producer, log each id.

Usage: python -m tests.integration.spool_child SPOOL_DIR ENDPOINT_URL STREAM LOG [drain]

An id is appended to LOG only after ``publish()`` returned, so every logged id
was durable in the spool. With ``drain`` it publishes nothing, delivers what the
spool holds and exits.
"""

from __future__ import annotations

import sys
import time

from eventwire import Event, Producer, ProducerSettings

BUFFER_RECORDS = 500
"""The producer's buffer: at most this many records are in flight when it is killed."""


class Tick(Event, event_type="tests.spool.tick", partition_key="key"):
    key: str
    n: int


def main(directory: str, endpoint: str, stream: str, log: str, mode: str = "publish") -> int:
    settings = ProducerSettings(linger=0.01, buffer_records=BUFFER_RECORDS)
    with Producer(
        "kinesis", stream=stream, endpoint_url=endpoint, spool=directory, settings=settings,
        source="tests",
    ) as producer:  # fmt: skip
        if mode == "drain":
            return 0 if producer.flush(120) else 1
        with open(log, "a", buffering=1) as out:
            n = 0
            while True:
                event = Tick(key=f"k{n % 16}", n=n)
                producer.publish(event)
                out.write(f"{event.key} {event.id}\n")
                n += 1
                if n % 50 == 0:
                    time.sleep(0.02)  # about 2,000 events a second: below the quota


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
