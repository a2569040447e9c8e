from __future__ import annotations

import base64
from typing import Any

import aws_kinesis_agg.aggregator
import aws_kinesis_agg.deaggregator
from hypothesis import given, settings
from hypothesis import strategies as st

from eventwire.backends import Record, aggregate, deaggregate

keys = st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)
hash_keys = st.integers(0, 2**128 - 1).map(str)


def _batches(with_hash_keys: bool) -> st.SearchStrategy[list[Record]]:
    ehk = hash_keys if with_hash_keys else st.none()
    record = st.builds(Record, data=st.binary(max_size=200), partition_key=keys,
                       explicit_hash_key=ehk)  # fmt: skip
    return st.lists(record, min_size=1, max_size=20)


# aws-kinesis-agg's deaggregator reads a missing explicit_hash_key_index as 0, so a batch
# mixing records with and without hash keys is misread by it; each batch is one or the other.
batches = st.booleans().flatmap(_batches)


def _their_deaggregate(record: Record) -> list[dict[str, Any]]:
    boto3_shaped = {
        "SequenceNumber": "1",
        "PartitionKey": record.partition_key,
        "ApproximateArrivalTimestamp": 0,
        "Data": record.data,
    }
    return list(aws_kinesis_agg.deaggregator.iter_deaggregate_records([boto3_shaped], "Boto3"))


class TestKplCompatibility:
    """eventwire's aggregated records and the aws-kinesis-agg package understand each other."""

    @settings(max_examples=50)
    @given(batches)
    def test_aws_kinesis_agg_reads_ours(self, batch: list[Record]) -> None:
        """aws-kinesis-agg de-aggregates eventwire's records into the user records, in order."""
        user_records = _their_deaggregate(aggregate(batch))
        assert [(r.data, r.partition_key) for r in batch] == [
            (base64.b64decode(u["kinesis"]["data"]), u["kinesis"]["partitionKey"])
            for u in user_records
        ]
        assert [r.explicit_hash_key for r in batch] == [
            u["kinesis"].get("explicitHashKey") for u in user_records
        ]

    @settings(max_examples=50)
    @given(batches)
    def test_we_read_aws_kinesis_agg(self, batch: list[Record]) -> None:
        """Eventwire de-aggregates what the aws-kinesis-agg aggregator writes."""
        theirs = aws_kinesis_agg.aggregator.RecordAggregator()
        for record in batch:
            assert (
                theirs.add_user_record(record.partition_key, record.data, record.explicit_hash_key)
                is None
            )
        partition_key, _, data = theirs.clear_and_get().get_contents()
        assert [(r.data, r.partition_key, r.explicit_hash_key) for r in batch] == [
            (u.data, u.partition_key, u.explicit_hash_key) for u in deaggregate(data, partition_key)
        ]
