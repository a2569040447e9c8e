"""The data viewer in real headless Chromium: decoded records appear, refresh, and stay inert."""

from __future__ import annotations

import json
import time
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


SHARD_ONE_HASH = str(2**127 + 1)


@pytest.fixture
def paging(server: EmulatorServer, client: KinesisClient) -> EmulatorServer:
    """Stream 'paging': 2 shards, 30 CloudEvents (order-100..129) alternating between them."""
    client.create_stream(StreamName="paging", ShardCount=2)
    for n in range(30):
        client.put_record(
            StreamName="paging",
            Data=cloudevent(100 + n, "even" if n % 2 == 0 else "odd"),
            PartitionKey=f"key-{n % 3}",
            ExplicitHashKey="0" if n % 2 == 0 else SHARD_ONE_HASH,
        )
    return server


def open_viewer(server: EmulatorServer, query: str) -> Browser:
    return Browser(f"{server.url}/viewer?interval=300&limit=5&stream=paging&{query}")


def shown_ids(browser: Browser) -> list[str]:
    return list(
        browser.evaluate(
            "[...document.querySelectorAll('#record-list .summary')]"
            ".map((node) => node.textContent.split(' · ')[2])"
        )
    )


def wait_for_ids(browser: Browser, first: str, timeout: float = 30.0) -> list[str]:
    """The shown record ids once the first of them is ``first``."""
    deadline = time.monotonic() + timeout
    while True:
        ids = shown_ids(browser)
        if ids and ids[0] == first:
            return ids
        assert time.monotonic() < deadline, f"the first record never became {first}: {ids}"
        time.sleep(0.2)


class TestViewerPaging:
    """Paging, the whole-stream view, filters and copying, as a person uses them."""

    def test_pages_through_a_shard(self, paging: EmulatorServer) -> None:
        """Next and Previous walk shard 0 oldest first, five records a page."""
        browser = open_viewer(paging, "view=shard&shard=shardId-000000000000")
        try:
            browser.wait_for_text("page 1:")
            first = shown_ids(browser)
            browser.evaluate("document.getElementById('page-next').click()")
            browser.wait_for_text("page 2:")
            second = shown_ids(browser)
            browser.evaluate("document.getElementById('page-next').click()")
            browser.wait_for_text("page 3:")
            third = shown_ids(browser)
            browser.evaluate("document.getElementById('page-prev').click()")
            browser.wait_for_text("page 2:")
            back = shown_ids(browser)
            next_disabled = browser.evaluate("document.getElementById('page-next').disabled")
        finally:
            browser.close()
        assert [f"order-{n}" for n in range(100, 110, 2)] == first
        assert [f"order-{n}" for n in range(110, 120, 2)] == second
        assert [f"order-{n}" for n in range(120, 130, 2)] == third
        assert second == back
        assert next_disabled is False

    def test_whole_stream_by_arrival_with_filters(self, paging: EmulatorServer) -> None:
        """The stream view interleaves both shards by arrival; filters narrow it."""
        browser = open_viewer(paging, "view=stream")
        try:
            text = browser.wait_for_text("all shards, by arrival")
            merged = shown_ids(browser)
            arrivals = browser.evaluate(
                "[...document.querySelectorAll('#record-list .head')]"
                ".map((node) => node.textContent.match(/Arrived (\\S+)/)[1])"
            )
            browser.evaluate(
                "document.getElementById('filter-key').value = 'key-1';"
                "document.getElementById('filter-type').value = 'com.example.order.created';"
                "document.getElementById('apply').click()"
            )
            filtered = wait_for_ids(browser, "order-101")
        finally:
            browser.close()
        assert "shardId-000000000000" in text
        assert "shardId-000000000001" in text
        assert arrivals == sorted(arrivals)
        assert [f"order-{n}" for n in range(100, 105)] == merged
        assert [f"order-{n}" for n in range(101, 116, 3)] == filtered

    def test_copy_a_record_as_json(self, paging: EmulatorServer) -> None:
        """Each record links to its JSON, and Copy JSON copies it."""
        browser = open_viewer(paging, "view=shard&shard=shardId-000000000001")
        try:
            browser.wait_for_text("page 1:")
            # Headless pages have no focus and no clipboard permission unless given them.
            browser.call("Emulation.setFocusEmulationEnabled", enabled=True)
            browser.call(
                "Browser.grantPermissions",
                origin=paging.url,
                permissions=["clipboardReadWrite", "clipboardSanitizedWrite"],
            )
            href = browser.evaluate("document.querySelector('#record-list a.record-json').href")
            fetched = browser.call(
                "Runtime.evaluate",
                expression=f"fetch({json.dumps(href)}).then((r) => r.json())",
                awaitPromise=True,
                returnByValue=True,
            )["result"]["value"]
            browser.evaluate("document.querySelector('#record-list button.copy').click()")
            status = browser.wait_for_text("record JSON")
            copied = browser.call(
                "Runtime.evaluate",
                expression="navigator.clipboard.readText()",
                awaitPromise=True,
                returnByValue=True,
            )["result"]["value"]
        finally:
            browser.close()
        assert "order-101" == fetched["data"]["id"]
        assert "shardId-000000000001" == fetched["shardId"]
        assert "copied record JSON" in status
        assert "order-101" == json.loads(copied)["data"]["id"]
