"""The validation tables agree with botocore's copy of the Kinesis service model.

The tables were transcribed from botocore 1.43's model; the locked botocore may be
newer. Differences are allowed only when listed below, so each new member or
constraint becomes a decision rather than a silent gap.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import botocore
import pytest

from eventwire_emulator.wire.operations import HANDLERS
from eventwire_emulator.wire.parsing import PARSERS
from eventwire_emulator.wire.shapes import OPERATIONS
from eventwire_emulator.wire.validation import (
    Blob,
    Boolean,
    Integer,
    ListOf,
    MapOf,
    Shape,
    String,
    Structure,
    Timestamp,
)

_MODEL_PATH = (
    Path(botocore.__file__).parent / "data" / "kinesis" / "2013-12-02" / "service-2.json.gz"
)
SERVICE: dict[str, Any] = json.loads(gzip.decompress(_MODEL_PATH.read_bytes()))
SHAPES: dict[str, Any] = SERVICE["shapes"]

# Operations with no validation table: channels, which the emulator answers with a 400
# naming them (wire.operations.UNSUPPORTED), and newer-botocore queue operations, listed
# so that each new operation in botocore shows up as a decision to make.
NOT_SERVED: set[str] = set()
NOT_SERVED_PREFIXES = ("Acknowledge", "Receive", "Restore")
NOT_SERVED_WORDS = ("Channel", "Queue")

# Where newer botocore models differ from the tables. DryRun and
# RecordDistributionStrategy are newer members the emulator ignores; the newer model
# makes PartitionKey optional (AUTO record distribution), which the model does not
# support; ResourceARN also admits channel and queue ARNs, which do not exist here.
NEW_MEMBERS = {
    "CreateStream.RecordDistributionStrategy",
    "GetRecords.DryRun",
    "GetShardIterator.DryRun",
    "PutRecord.DryRun",
    "PutRecords.DryRun",
    "SubscribeToShard.DryRun",
}
REQUIRED_DRIFT = {"PutRecord", "PutRecords.Records[]"}
CONSTRAINT_DRIFT = {
    "ListTagsForResource.ResourceARN",
    "TagResource.ResourceARN",
    "UntagResource.ResourceARN",
}


def _served(operation: str) -> bool:
    return not (
        operation in NOT_SERVED
        or operation.startswith(NOT_SERVED_PREFIXES)
        or any(word in operation for word in NOT_SERVED_WORDS)
    )


def _pattern(spec: dict[str, Any]) -> str | None:
    # Newer models anchor patterns as ^(...)$; matching is whole-string either way.
    pattern: str | None = spec.get("pattern")
    if pattern is not None and pattern.startswith("^(") and pattern.endswith(")$"):
        return pattern[2:-2]
    return pattern


def _assert_same(ours: Shape, name: str, where: str) -> None:
    if where in CONSTRAINT_DRIFT:
        return
    spec = SHAPES[name]
    kind = spec["type"]
    if kind == "string":
        assert isinstance(ours, String), where
        assert (spec.get("min"), spec.get("max")) == (ours.min_len, ours.max_len), where
        assert _pattern(spec) == ours.pattern, where
        assert (tuple(spec["enum"]) if "enum" in spec else None) == ours.enum, where
    elif kind in ("integer", "long"):
        assert isinstance(ours, Integer), where
        assert (spec.get("min"), spec.get("max")) == (ours.min, ours.max), where
    elif kind == "boolean":
        assert isinstance(ours, Boolean), where
    elif kind == "timestamp":
        assert isinstance(ours, Timestamp), where
    elif kind == "blob":
        assert isinstance(ours, Blob), where
        assert (spec.get("min"), spec.get("max")) == (ours.min_len, ours.max_len), where
    elif kind == "list":
        assert isinstance(ours, ListOf), where
        assert (spec.get("min"), spec.get("max")) == (ours.min_len, ours.max_len), where
        _assert_same(ours.member, spec["member"]["shape"], f"{where}[]")
    elif kind == "map":
        assert isinstance(ours, MapOf), where
        assert (spec.get("min"), spec.get("max")) == (ours.min_len, ours.max_len), where
        _assert_same(ours.key, spec["key"]["shape"], f"{where}{{key}}")
        _assert_same(ours.value, spec["value"]["shape"], f"{where}{{value}}")
    elif kind == "structure":
        assert isinstance(ours, Structure), where
        theirs = {m for m in spec["members"] if f"{where}.{m}" not in NEW_MEMBERS}
        assert theirs == set(ours.members), where
        if where not in REQUIRED_DRIFT:
            assert sorted(spec.get("required", [])) == sorted(ours.required), where
        for member in theirs:
            _assert_same(
                ours.members[member], spec["members"][member]["shape"], f"{where}.{member}"
            )
    else:  # pragma: no cover - the model uses no other input types
        pytest.fail(f"unexpected shape type {kind} at {where}")


class TestTablesMatchServiceModel:
    """Every served operation's table is the service model's input shape."""

    def test_served_operations_are_all_but_the_listed_exceptions(self) -> None:
        assert {op for op in SERVICE["operations"] if _served(op)} == set(OPERATIONS)

    @pytest.mark.parametrize("operation", sorted(OPERATIONS))
    def test_input_shape_matches(self, operation: str) -> None:
        input_shape = SERVICE["operations"][operation]["input"]["shape"]
        _assert_same(OPERATIONS[operation], input_shape, operation)

    def test_every_operation_has_a_parser(self) -> None:
        assert set(OPERATIONS) == set(PARSERS)

    def test_every_operation_but_subscribe_has_a_json_handler(self) -> None:
        assert set(OPERATIONS) - {"SubscribeToShard"} == set(HANDLERS)
