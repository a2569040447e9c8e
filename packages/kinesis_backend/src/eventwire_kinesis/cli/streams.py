"""``eventwire streams list|create|describe|delete``: manage streams for local work."""

from __future__ import annotations

import time
from typing import Any

import click

from eventwire import ConfigurationError
from eventwire_kinesis.cli.connection import Connection, stream_address, with_connection

ACTIVE_TIMEOUT = 60.0
"""How long ``create --wait`` waits for the stream to become ACTIVE."""


@click.group(
    epilog="Examples:\n\n\b\n"
    "  eventwire streams list --endpoint-url http://127.0.0.1:4567\n"
    "  eventwire streams create orders --shards 4 --endpoint-url http://127.0.0.1:4566\n"
    "  eventwire streams describe orders\n"
    "  eventwire streams delete orders --yes"
)
def streams() -> None:
    """List, create, describe and delete streams (emulator server, LocalStack, AWS)."""


def _console() -> Any:
    from rich.console import Console

    return Console()


@streams.command("list", epilog="Example:\n\n\b\n  eventwire streams list --endpoint-url URL")
@with_connection
def list_(connection: Connection) -> None:
    """List the streams, with their shards and status."""
    from rich.table import Table

    table = Table("stream", "status", "mode", "open shards", "created")
    params: dict[str, Any] = {}
    with connection.calling("kinesis:ListStreams"):
        while True:
            answer = connection.client.list_streams(**params)
            for summary in answer.get("StreamSummaries", []):
                name = summary["StreamName"]
                described = connection.client.describe_stream_summary(StreamName=name)
                detail = described["StreamDescriptionSummary"]
                table.add_row(
                    name,
                    detail["StreamStatus"],
                    detail.get("StreamModeDetails", {}).get("StreamMode", "-"),
                    str(detail["OpenShardCount"]),
                    detail["StreamCreationTimestamp"].isoformat(timespec="seconds"),
                )
            if not answer.get("HasMoreStreams") or not answer.get("NextToken"):
                break
            params = {"NextToken": answer["NextToken"]}
    _console().print(table)


@streams.command(
    epilog="Examples:\n\n\b\n  eventwire streams create orders --shards 4\n"
    "  eventwire streams create audit --on-demand"
)
@click.argument("stream")
@click.option("--shards", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--on-demand", is_flag=True, help="On-demand capacity mode (ignores --shards).")
@click.option("--no-wait", is_flag=True, help="Return before the stream is ACTIVE.")
@with_connection
def create(
    connection: Connection, stream: str, shards: int, on_demand: bool, no_wait: bool
) -> None:
    """Create STREAM and wait until it is ACTIVE."""
    address = stream_address(stream)
    if address.arn:
        raise ConfigurationError(f"create takes a stream name, not an ARN: {stream!r}")
    params: dict[str, Any] = {"StreamName": address.name}
    if on_demand:
        params["StreamModeDetails"] = {"StreamMode": "ON_DEMAND"}
    else:
        params["ShardCount"] = shards
    with connection.calling("kinesis:CreateStream", address.name):
        connection.client.create_stream(**params)
        deadline = time.monotonic() + ACTIVE_TIMEOUT
        status = "CREATING"
        while not no_wait and status != "ACTIVE" and time.monotonic() < deadline:
            described = connection.client.describe_stream_summary(StreamName=address.name)
            status = described["StreamDescriptionSummary"]["StreamStatus"]
            if status != "ACTIVE":
                time.sleep(0.2)
    click.echo(f"created {address.name} ({status.lower() if not no_wait else 'creating'})")


@streams.command(epilog="Example:\n\n\b\n  eventwire streams describe orders")
@click.argument("stream")
@with_connection
def describe(connection: Connection, stream: str) -> None:
    """Show STREAM's settings and its shards (hash ranges, parents, open or closed)."""
    from rich.table import Table

    address = stream_address(stream)
    with connection.calling("kinesis:DescribeStreamSummary", address.name):
        detail = connection.client.describe_stream_summary(**address.params())[
            "StreamDescriptionSummary"
        ]
        shards: list[Any] = []
        params: dict[str, Any] = dict(address.params())
        while True:
            answer = connection.client.list_shards(**params)
            shards += answer["Shards"]
            if not answer.get("NextToken"):
                break
            params = {"NextToken": answer["NextToken"]}
    console = _console()
    console.print(f"[bold]{detail['StreamName']}[/]  {detail['StreamARN']}")
    console.print(
        f"status {detail['StreamStatus']}, "
        f"mode {detail.get('StreamModeDetails', {}).get('StreamMode', '-')}, "
        f"retention {detail['RetentionPeriodHours']} h, "
        f"encryption {detail.get('EncryptionType', 'NONE')}, "
        f"{detail['OpenShardCount']} open shard(s), "
        f"{detail.get('ConsumerCount', 0)} consumer(s)"
    )
    table = Table("shard", "state", "parents", "hash key range", "first sequence")
    for column in table.columns:
        column.overflow = "fold"
    for shard in shards:
        sequence = shard["SequenceNumberRange"]
        parents = [p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p]
        hashes = shard["HashKeyRange"]
        table.add_row(
            shard["ShardId"],
            "closed" if "EndingSequenceNumber" in sequence else "open",
            ", ".join(parents) or "-",
            f"{hashes['StartingHashKey']} - {hashes['EndingHashKey']}",
            sequence["StartingSequenceNumber"],
        )
    console.print(table)


@streams.command(epilog="Example:\n\n\b\n  eventwire streams delete orders --yes")
@click.argument("stream")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_connection
def delete(connection: Connection, stream: str, yes: bool) -> None:
    """Delete STREAM and every record on it."""
    address = stream_address(stream)
    if not yes:
        click.confirm(f"delete stream {address.name} and all its records?", abort=True)
    with connection.calling("kinesis:DeleteStream", address.name):
        connection.client.delete_stream(**address.params(), EnforceConsumerDeletion=True)
    click.echo(f"deleted {address.name}")
