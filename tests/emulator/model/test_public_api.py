import eventwire_emulator.model as model


class TestPublicApi:
    """The public surface of eventwire_emulator.model changes only on purpose."""

    def test_all_is_sorted(self):
        """__all__ is kept sorted isort-style: CONSTANTS, Classes, functions."""

        def isort_key(name: str) -> tuple[bool, bool, str]:
            return (not name.isupper(), not name[0].isupper(), name)

        assert sorted(model.__all__, key=isort_key) == model.__all__

    def test_all_names_exist(self):
        """Every exported name resolves."""
        for name in model.__all__:
            assert getattr(model, name) is not None

    def test_pinned_surface(self):
        """The exported names are exactly these."""
        assert {
            "MAX_HASH_KEY",
            "ChildShard",
            "Clock",
            "Consumer",
            "EnhancedMonitoringResult",
            "FaultInjector",
            "GetRecordsResult",
            "HashRange",
            "InjectedFault",
            "InvalidArgument",
            "IteratorExpired",
            "Kinesis",
            "LimitExceeded",
            "Limits",
            "ListShardsResult",
            "ListStreamConsumersResult",
            "ListStreamsResult",
            "ListTagsResult",
            "ManualClock",
            "ModelError",
            "NextTokenExpired",
            "PutRecordResult",
            "PutRecordsRequestEntry",
            "PutRecordsResult",
            "PutRecordsResultEntry",
            "Record",
            "ResourceInUse",
            "ResourceNotFound",
            "SequenceNumberRange",
            "Shard",
            "ShardBatch",
            "ShardFilter",
            "StreamDescription",
            "StreamDescriptionSummary",
            "StreamNotFound",
            "StreamSummary",
            "SystemClock",
            "ThroughputExceeded",
            "UpdateShardCountResult",
            "hash_partition_key",
            "parse_hash_key",
        } == set(model.__all__)
