"""Kinesis backend settings from plugin options or the environment, validated with clear errors."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eventwire import ConfigurationError
from eventwire_kinesis.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

STREAM_ENV = "EVENTWIRE_STREAM"
MAX_ATTEMPTS_ENV = "EVENTWIRE_KINESIS_MAX_ATTEMPTS"
RETRY_DEADLINE_ENV = "EVENTWIRE_KINESIS_RETRY_DEADLINE"
REGION_ENVS = ("AWS_REGION", "AWS_DEFAULT_REGION")
LOCALSTACK_REGION = "us-east-1"

OPTIONS = (
    "client",
    "connect_timeout",
    "endpoint_url",
    "max_attempts",
    "read_timeout",
    "region",
    "retry_base_delay",
    "retry_deadline",
    "retry_max_delay",
    "stream",
)
"""Every option the ``kinesis`` and ``localstack`` backends accept."""

_ARN = re.compile(r"arn:aws[a-z-]*:kinesis:([a-z0-9-]+):(\d{12}):stream/([A-Za-z0-9_.-]{1,128})")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")


@dataclass(frozen=True, slots=True)
class StreamAddress:
    """A stream named by name or ARN; API calls use whichever the caller gave."""

    name: str
    arn: str | None = None
    region: str | None = None

    @classmethod
    def parse(cls, stream: str) -> StreamAddress:
        """Parse a stream name or a Kinesis stream ARN.

        Raises:
            ConfigurationError: neither a valid name nor a valid ARN.
        """
        if stream.startswith("arn:"):
            match = _ARN.fullmatch(stream)
            if match is None:
                raise ConfigurationError(
                    f"stream={stream!r} is not a Kinesis stream ARN "
                    "(arn:aws:kinesis:<region>:<account>:stream/<name>)"
                )
            return cls(name=match.group(3), arn=stream, region=match.group(1))
        if not _NAME.fullmatch(stream):
            raise ConfigurationError(
                f"stream={stream!r} is not a valid stream name (1 to 128 letters, digits, "
                "'_', '.' or '-') or stream ARN"
            )
        return cls(name=stream)

    def params(self) -> dict[str, str]:
        """The request parameter that addresses the stream: StreamARN or StreamName."""
        return {"StreamARN": self.arn} if self.arn else {"StreamName": self.name}


@dataclass(frozen=True, slots=True)
class KinesisSettings:
    """Everything a Kinesis backend is built from."""

    stream: StreamAddress
    region: str
    endpoint_url: str | None = None
    client: KinesisClient | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def _profile_region() -> str | None:
    # The standard chain beyond the environment: the region of the active AWS profile.
    import botocore.session

    region = botocore.session.get_session().get_config_variable("region")
    return str(region) if region else None


def _number(name: str, value: object, source: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigurationError(f"{source}={value!r} is not a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigurationError(f"{name}={value!r} must be a positive number of seconds")
    return float(value)


def _text(name: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name}={value!r} must be a non-empty string")
    return value.strip()


def resolve(
    options: Mapping[str, object],
    *,
    backend: str = "kinesis",
    environ: Mapping[str, str] | None = None,
    profile_region: Callable[[], str | None] = _profile_region,
) -> KinesisSettings:
    """Validate plugin ``options``, filling gaps from the environment.

    Args:
        options: ``stream`` plus the Publisher's keyword arguments.
        backend: ``kinesis`` (AWS) or ``localstack`` (defaults to region us-east-1).
        environ: the environment (default ``os.environ``).
        profile_region: the AWS profile's region, the last place a region comes from.

    Raises:
        ConfigurationError: an unknown option, a missing stream or region, or a bad value.
    """
    env = os.environ if environ is None else environ
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ConfigurationError(
            f"the {backend} backend does not accept option(s) {unknown}; "
            f"accepted: {', '.join(OPTIONS)}"
        )
    raw_stream = _text("stream", options.get("stream"))
    if raw_stream is None:
        raise ConfigurationError(
            f"the {backend} backend needs a stream: pass stream=... or set {STREAM_ENV}"
        )
    stream = StreamAddress.parse(raw_stream)
    client = options.get("client")
    if client is not None and not hasattr(client, "put_records"):
        raise ConfigurationError(f"client={client!r} is not a boto3 Kinesis client")
    region = _region(options, env, stream, client, backend, profile_region)
    endpoint_url = _text("endpoint_url", options.get("endpoint_url"))
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise ConfigurationError(f"endpoint_url={endpoint_url!r} must be an http(s) URL")
    timeouts = {
        name: _number(name, options[name], name)
        for name in ("connect_timeout", "read_timeout")
        if options.get(name) is not None
    }
    return KinesisSettings(
        stream=stream,
        region=region,
        endpoint_url=endpoint_url,
        client=client,  # type: ignore[arg-type]  # duck-checked above; boto3 clients are dynamic
        retry=_retry(options, env),
        **timeouts,
    )


def _region(
    options: Mapping[str, object],
    env: Mapping[str, str],
    stream: StreamAddress,
    client: object,
    backend: str,
    profile_region: Callable[[], str | None],
) -> str:
    region = _text("region", options.get("region"))
    if region is None and client is not None:
        region = getattr(getattr(client, "meta", None), "region_name", None)
    if region is None:
        region = stream.region
    for name in REGION_ENVS:
        if region is None and env.get(name, "").strip():
            region = env[name].strip()
    if region is None:
        region = profile_region()
    if region is None and backend == "localstack":
        region = LOCALSTACK_REGION
    if region is None:
        raise ConfigurationError(
            f"the {backend} backend needs an AWS region: pass region=..., set AWS_REGION "
            "or AWS_DEFAULT_REGION, give the stream as an ARN, or set one in your AWS profile"
        )
    if stream.region is not None and stream.region != region:
        raise ConfigurationError(
            f"stream ARN {stream.arn!r} is in region {stream.region}, but the region is {region}"
        )
    return region


def _retry(options: Mapping[str, object], env: Mapping[str, str]) -> RetryPolicy:
    values: dict[str, int | float] = {}
    attempts: object = options.get("max_attempts")
    if attempts is None and env.get(MAX_ATTEMPTS_ENV, "").strip():
        raw = env[MAX_ATTEMPTS_ENV].strip()
        if not raw.isdigit():
            raise ConfigurationError(f"{MAX_ATTEMPTS_ENV}={raw!r} is not a whole number")
        attempts = int(raw)
    if attempts is not None:
        if isinstance(attempts, bool) or not isinstance(attempts, int):
            raise ConfigurationError(f"max_attempts={attempts!r} must be an integer")
        values["max_attempts"] = attempts
    deadline: object = options.get("retry_deadline")
    source = "retry_deadline"
    if deadline is None and env.get(RETRY_DEADLINE_ENV, "").strip():
        deadline, source = env[RETRY_DEADLINE_ENV].strip(), RETRY_DEADLINE_ENV
    if deadline is not None:
        values["deadline"] = _number("retry_deadline", deadline, source)
    for option, attribute in (("retry_base_delay", "base_delay"), ("retry_max_delay", "max_delay")):
        if options.get(option) is not None:
            values[attribute] = _number(option, options[option], option)
    return RetryPolicy(**values)  # type: ignore[arg-type]  # keys are RetryPolicy fields
