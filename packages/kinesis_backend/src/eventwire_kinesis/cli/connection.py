"""Where a command connects: endpoint, region and credentials, checked before the first call."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from eventwire import ConfigurationError
from eventwire_kinesis.cli.fastparse import RecordsParserFactory
from eventwire_kinesis.client import LOCALSTACK_CREDENTIALS, localstack_endpoint
from eventwire_kinesis.errors import BOTO_ERRORS, Target, translate
from eventwire_kinesis.settings import LOCALSTACK_REGION, REGION_ENVS, StreamAddress

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

F = TypeVar("F", bound=Callable[..., Any])

ENDPOINT_ENVS = ("AWS_ENDPOINT_URL_KINESIS", "AWS_ENDPOINT_URL")
LOCAL_HINT = (
    "for the local server: --endpoint-url http://127.0.0.1:4567 --region us-east-1 with "
    "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test (any values work)"
)


def connection_options(command: F) -> F:
    """Add ``--endpoint-url``, ``--region`` and ``--localstack`` (as keyword arguments)."""
    command = click.option(
        "--localstack",
        is_flag=True,
        help="Use LocalStack as the localstack backend does: its endpoint from LOCALSTACK_HOST "
        "(default localhost:4566), region us-east-1 and dummy credentials unless set.",
    )(command)
    command = click.option(
        "--region",
        metavar="REGION",
        help="AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, then the AWS profile's).",
    )(command)
    return click.option(
        "--endpoint-url",
        metavar="URL",
        help="Kinesis endpoint: the emulator server (http://127.0.0.1:4567), LocalStack "
        "(http://127.0.0.1:4566); default AWS_ENDPOINT_URL_KINESIS, else AWS.",
    )(command)


@dataclass(frozen=True)
class Connection:
    """A checked boto3 client and where it points, for messages."""

    client: KinesisClient
    region: str
    endpoint: str

    def target(self, stream: str) -> Target:
        """The stream and region, as error messages name them."""
        return Target(stream, self.region)

    @contextmanager
    def calling(self, action: str, stream: str = "-") -> Iterator[None]:
        """Turn a botocore error inside the block into the eventwire error (one boundary)."""
        try:
            yield
        except BOTO_ERRORS as exc:
            raise translate(exc, self.target(stream), action=action) from exc


def _region_or(default: str) -> str:
    """The region from the environment or profile, else ``default``."""
    try:
        return _region(None)
    except ConfigurationError:
        return default


def _region(given: str | None) -> str:
    if given:
        return given
    for name in REGION_ENVS:
        if os.environ.get(name, "").strip():
            return os.environ[name].strip()
    import botocore.session

    region = botocore.session.get_session().get_config_variable("region")
    if region:
        return str(region)
    raise ConfigurationError(
        "no AWS region: pass --region us-east-1 or set AWS_REGION; " + LOCAL_HINT
    )


def _endpoint(given: str | None) -> str | None:
    endpoint = given or next(
        (os.environ[name] for name in ENDPOINT_ENVS if os.environ.get(name, "").strip()), None
    )
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"--endpoint-url {endpoint!r} is not an http(s) URL; e.g. http://127.0.0.1:4567"
        )
    return endpoint


def _check_credentials(region: str, endpoint: str | None) -> None:
    import botocore.session

    if botocore.session.get_session().get_credentials() is not None:
        return
    if endpoint is None:
        raise ConfigurationError(
            f"no AWS credentials for region {region}: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run where an IAM role is available; "
            + LOCAL_HINT
        )
    raise ConfigurationError(
        f"no AWS credentials for {endpoint}: local servers accept any, e.g. "
        "export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test"
    )


def _timestamp(value: object) -> datetime:
    # The JSON protocol sends epoch seconds. botocore's default parser gives them the local
    # zone through dateutil, which cost tail more than half its time (measured: 3.4 of
    # 5.9 s of response parsing for 50,000 records); the same instant in UTC is cheap.
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    from botocore.utils import parse_timestamp

    parsed: datetime = parse_timestamp(str(value))
    return parsed


def connect(
    endpoint_url: str | None, region: str | None, *, localstack: bool = False
) -> Connection:
    """A boto3 Kinesis client for the options, or a ``ConfigurationError`` naming the fix.

    The client makes single attempts: publish retries in its backend, tail per shard.
    ``localstack`` fills what is not given the way the ``localstack`` backend does.
    """
    import boto3
    import botocore.session
    from botocore.config import Config

    session = botocore.session.get_session()
    credentials: tuple[str | None, str | None] = (None, None)
    if localstack:
        if endpoint_url is not None:
            raise ConfigurationError("give --localstack or --endpoint-url, not both")
        endpoint_url = localstack_endpoint()
        region = region or _region_or(LOCALSTACK_REGION)
        if session.get_credentials() is None:
            credentials = LOCALSTACK_CREDENTIALS
    resolved_region = _region(region)
    endpoint = _endpoint(endpoint_url)
    if credentials == (None, None):
        _check_credentials(resolved_region, endpoint)
    factory = RecordsParserFactory()
    factory.set_parser_defaults(timestamp_parser=_timestamp)
    session.register_component("response_parser_factory", factory)
    client = boto3.session.Session(botocore_session=session).client(
        "kinesis",
        region_name=resolved_region,
        endpoint_url=endpoint,
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        config=Config(connect_timeout=5.0, read_timeout=15.0, retries={"total_max_attempts": 1}),
    )
    return Connection(client, resolved_region, endpoint or client.meta.endpoint_url)


def stream_address(stream: str) -> StreamAddress:
    """Parse a STREAM argument (a name or an ARN)."""
    return StreamAddress.parse(stream)


def with_connection(command: F) -> F:
    """Turn the connection options into a ``connection`` keyword argument."""

    @functools.wraps(command)
    def wrapper(
        *args: Any, endpoint_url: str | None, region: str | None, localstack: bool, **kwargs: Any
    ) -> Any:
        connection = connect(endpoint_url, region, localstack=localstack)
        return command(*args, connection=connection, **kwargs)

    return connection_options(wrapper)  # type: ignore[return-value]  # same call shape for Click
