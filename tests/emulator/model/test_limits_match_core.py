"""The stdlib-only model keeps its own copy of the Kinesis limits: pinned equal to eventwire's."""

from __future__ import annotations

from eventwire import limits
from eventwire_emulator.model import limits as model_limits


class TestModelLimits:
    """Every limit the model enforces is the figure in ``eventwire.limits``."""

    def test_request_limits(self) -> None:
        """Records and bytes per PutRecords request."""
        assert limits.MAX_RECORDS_PER_REQUEST == model_limits.MAX_PUT_RECORDS
        assert limits.MAX_REQUEST_BYTES == model_limits.MAX_PUT_RECORDS_BYTES

    def test_record_and_key_limits(self) -> None:
        """Record sizes (default and largest), key length and the hash key space."""
        assert limits.DEFAULT_MAX_RECORD_SIZE == model_limits.DEFAULT_MAX_RECORD_KIB * 1024
        assert limits.MAX_RECORD_SIZE_LIMIT == model_limits.MAX_RECORD_KIB * 1024
        assert limits.MAX_PARTITION_KEY_LENGTH == model_limits.MAX_PARTITION_KEY_LENGTH
        assert limits.MAX_HASH_KEY == model_limits.MAX_HASH_KEY

    def test_shard_write_quotas(self) -> None:
        """A shard's write quota in records and bytes per second."""
        assert limits.SHARD_WRITE_RECORDS_PER_SECOND == model_limits.WRITE_RECORDS_PER_SECOND
        assert limits.SHARD_WRITE_BYTES_PER_SECOND == model_limits.WRITE_BYTES_PER_SECOND
