"""eventwire-kinesis: the eventwire backend for AWS Kinesis Data Streams and LocalStack."""

from __future__ import annotations

from importlib.metadata import version as _version

from eventwire_kinesis.backend import KinesisBackend
from eventwire_kinesis.glue import GlueSchemaRegistryClient, glue_client
from eventwire_kinesis.retry import RetryPolicy
from eventwire_kinesis.settings import OPTIONS, KinesisSettings, StreamAddress

__version__ = _version("eventwire-kinesis")

__all__ = [
    "OPTIONS",
    "GlueSchemaRegistryClient",
    "KinesisBackend",
    "KinesisSettings",
    "RetryPolicy",
    "StreamAddress",
    "__version__",
    "glue_client",
]
