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
            "AccessDenied",
            "AccessPolicies",
            "BillingCommitment",
            "Caller",
            "ChildShard",
            "Clock",
            "Cloud",
            "Consumer",
            "EnhancedMonitoringResult",
            "FaultInjector",
            "GetRecordsResult",
            "HashRange",
            "InjectedBug",
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
            "Subscription",
            "SystemClock",
            "ThroughputExceeded",
            "UnsupportedInStreamMode",
            "UpdateShardCountResult",
            "WarmThroughputResult",
            "hash_partition_key",
            "parse_hash_key",
        } == set(model.__all__)


class TestImportArrows:
    """The model layer imports only the standard library and itself."""

    def test_stdlib_only(self):
        """Every import in model/ is stdlib or eventwire_emulator.model."""
        import ast
        import sys
        from pathlib import Path

        offenders = []
        for path in Path(model.__file__).parent.glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    inside = name == "eventwire_emulator.model" or name.startswith(
                        "eventwire_emulator.model."
                    )
                    if not inside and top not in sys.stdlib_module_names:
                        offenders.append(f"{path.name}: {name}")
        assert [] == offenders
