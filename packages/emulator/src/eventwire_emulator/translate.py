"""Model errors to eventwire errors: the in-process backend's one translation boundary."""

from __future__ import annotations

from eventwire import BackendError
from eventwire.backends import error_for_aws_code
from eventwire_emulator.model import ModelError
from eventwire_emulator.wire import aws_error

BACKEND = "emulator"


def translate(exc: ModelError, *, stream: str, action: str, region: str) -> BackendError:
    """The eventwire error for a model exception, named as AWS would name it."""
    aws = aws_error(exc)
    return error_for_aws_code(
        aws.code, aws.message, backend=BACKEND, stream=stream, action=action, region=region
    )
