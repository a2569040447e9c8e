"""The Kinesis JSON 1.1 protocol: parse, validate against AWS limits, serialize, name errors.

A transport (the HTTP server, the in-process boto3 adapter) builds one `Wire` over a
model and calls ``Wire.handle(target, body, headers)`` for each request.
"""

from __future__ import annotations

from eventwire_emulator.wire.errors import AwsError, aws_error
from eventwire_emulator.wire.protocol import Wire
from eventwire_emulator.wire.response import WireResponse
from eventwire_emulator.wire.subscribe import SubscriptionPolicy

__all__ = ["AwsError", "SubscriptionPolicy", "Wire", "WireResponse", "aws_error"]
