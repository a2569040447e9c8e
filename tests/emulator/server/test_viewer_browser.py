"""The data viewer in real headless Chromium: decoded records appear, refresh, and stay inert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from eventwire_emulator.server import EmulatorServer
from tests.emulator.server.cdp import Browser
from tests.emulator.server.conftest import ARTIFACTS

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

HOSTILE = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"


def cloudevent(event_id: int, item: str) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "type": "com.example.order.created",
            "source": "/shop",
            "id": f"order-{event_id}",
            "time": "2025-01-01T00:00:00Z",
            "datacontenttype": "application/json",
            "data": {"order_id": event_id, "item": item},
        }
    ).encode()


@pytest.fixture
def browser(server: EmulatorServer, client: KinesisClient) -> Iterator[Browser]:
    client.create_stream(StreamName="orders", ShardCount=1)
    client.put_record(StreamName="orders", Data=cloudevent(1, "teapot"), PartitionKey="o1")
    client.put_record(StreamName="orders", Data=cloudevent(2, HOSTILE), PartitionKey="o2")
    client.put_record(StreamName="orders", Data=b"\x00\x01\xfe\xffbinary", PartitionKey="b")
    client.put_record(StreamName="orders", Data=HOSTILE.encode(), PartitionKey="<b>key</b>")
    opened = Browser(f"{server.url}/viewer?interval=300")
    yield opened
    opened.close()


class TestViewerInChromium:
    """What a person sees in the viewer."""

    def test_decoded_events_appear(self, browser: Browser) -> None:
        """CloudEvents are pretty-printed, binary is hex, shards show counts and ranges."""
        text = browser.wait_for_text("order-1")
        assert "com.example.order.created · /shop · order-1" in text
        assert '"item": "teapot"' in text
        assert "00 01 fe ff 62 69 6e 61 72 79" in text
        assert "shardId-000000000000" in text
        assert "4 records" in text

    def test_records_are_text_never_markup(self, browser: Browser) -> None:
        """Hostile data and keys show literally; no element or script comes from a record."""
        text = browser.wait_for_text("<b>key</b>")
        assert HOSTILE in text
        assert 0 == browser.evaluate("document.querySelectorAll('#record-list img').length")
        assert 1 == browser.evaluate("document.scripts.length")
        assert "pwned" != browser.evaluate("document.title")

    def test_new_records_appear_without_reload(
        self, browser: Browser, client: KinesisClient
    ) -> None:
        """A record put after the page loaded shows up at the top by itself."""
        browser.wait_for_text("order-2")
        browser.evaluate("window.__marker = 'same page'")
        client.put_record(StreamName="orders", Data=cloudevent(3, "kettle"), PartitionKey="o3")
        text = browser.wait_for_text("order-3")
        assert "same page" == browser.evaluate("window.__marker")
        assert text.index("order-3") < text.index("order-1")
        assert "5 records" in text
        browser.screenshot(ARTIFACTS / "viewer.png")
        assert (ARTIFACTS / "viewer.png").stat().st_size > 10_000
