"""Tags of streams and consumers, by stream name or ARN and by resource ARN."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eventwire_emulator.model import metadata
from eventwire_emulator.model.account import (
    Account,
    check_range,
)
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.results import (
    ListTagsResult,
)
from eventwire_emulator.model.stream import Stream


class Tagging:
    """Tag operations of one account's streams and consumers; thread-safe."""

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission

    def add_tags_to_stream(self, stream: str, tags: Mapping[str, str]) -> None:
        """AddTagsToStream: add or overwrite; a stream holds at most 50 tags."""
        if self._admission.api_call("AddTagsToStream"):
            self._admission.limit_rate("AddTagsToStream", self._account.clock.now())
        found = self._account.stream(stream)
        self._account.require_active(found, "AddTagsToStream")
        with found.lock, self._admission.changing(found, "AddTagsToStream"):
            metadata.add_tags(found.tags, tags, f"stream {found.name}")

    def remove_tags_from_stream(self, stream: str, tag_keys: Sequence[str]) -> None:
        """RemoveTagsFromStream; unknown keys are ignored."""
        if self._admission.api_call("RemoveTagsFromStream"):
            self._admission.limit_rate("RemoveTagsFromStream", self._account.clock.now())
        found = self._account.stream(stream)
        self._account.require_active(found, "RemoveTagsFromStream")
        with found.lock, self._admission.changing(found, "RemoveTagsFromStream"):
            metadata.remove_tags(found.tags, tag_keys)

    def list_tags_for_stream(
        self,
        stream: str,
        *,
        exclusive_start_tag_key: str | None = None,
        limit: int | None = None,
    ) -> ListTagsResult:
        """ListTagsForStream, sorted by key, `limit` (default 50) per page."""
        if self._admission.api_call("ListTagsForStream"):
            self._admission.limit_rate("ListTagsForStream", self._account.clock.now())
        check_range(limit, 1, 50, "Limit")
        found = self._account.stream(stream)
        with found.lock:
            tags = sorted(found.tags.items())
        if exclusive_start_tag_key is not None:
            tags = [t for t in tags if t[0] > exclusive_start_tag_key]
        page = tags[: limit or 50]
        return ListTagsResult(page, len(tags) > len(page))

    def _resource_tags(self, resource_arn: str) -> tuple[Stream, dict[str, str]]:
        found, consumer = self._account.resource(resource_arn)
        return found, found.tags if consumer is None else found.consumers[consumer][2]

    def tag_resource(self, resource_arn: str, tags: Mapping[str, str]) -> None:
        """TagResource on a stream or consumer ARN."""
        self._admission.api_call("TagResource")
        found, current = self._resource_tags(resource_arn)
        self._account.require_active(found, "TagResource")
        with found.lock, self._admission.changing(found, "TagResource"):
            metadata.add_tags(current, tags, resource_arn)

    def untag_resource(self, resource_arn: str, tag_keys: Sequence[str]) -> None:
        """UntagResource on a stream or consumer ARN."""
        self._admission.api_call("UntagResource")
        found, current = self._resource_tags(resource_arn)
        self._account.require_active(found, "UntagResource")
        with found.lock, self._admission.changing(found, "UntagResource"):
            metadata.remove_tags(current, tag_keys)

    def list_tags_for_resource(self, resource_arn: str) -> dict[str, str]:
        """ListTagsForResource on a stream or consumer ARN."""
        self._admission.api_call("ListTagsForResource")
        found, current = self._resource_tags(resource_arn)
        with found.lock:
            return dict(sorted(current.items()))
