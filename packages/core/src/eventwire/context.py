"""``PublishContext``: what before-publish hooks see and may change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from eventwire.errors import PublishRejectedError

if TYPE_CHECKING:
    from eventwire.events import Event
    from eventwire.records import Record


@dataclass(slots=True)
class PublishContext:
    """One event on its way out; hooks may replace ``event`` or ``record``, or reject it.

    Attributes:
        event: the event being published (already stamped with the publisher's source).
            ``eventwire_before_publish`` hooks may assign an enriched copy.
        backend: name of the backend the event is going to.
        stream: the stream it is going to.
        record: ``None`` during ``eventwire_before_publish``; the encoded record during
            ``eventwire_before_send``, where hooks may assign a replacement.
    """

    event: Event
    backend: str
    stream: str
    record: Record | None = None

    def reject(self, reason: str) -> NoReturn:
        """Stop this event from being published; the caller gets ``PublishRejectedError``."""
        raise PublishRejectedError(reason, event_id=self.event.id)
