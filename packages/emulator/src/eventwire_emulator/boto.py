"""A real boto3 Kinesis client whose requests the emulator serves in-process, no sockets.

botocore emits ``before-send.kinesis.<Operation>`` with the signed request just before
it would open a connection; a handler that returns an ``AWSResponse`` replaces the
network round trip. Everything else (parameter validation, serialization, signing,
response parsing, modeled exceptions, retries, event streams) is botocore's own.

Retries follow the ``config`` you pass, exactly as against AWS: with botocore's
defaults, an injected ``InternalFailure`` (500) or throttling error is retried (with
real backoff sleeps) before it surfaces. To see every injected fault on the first
call, pass ``botocore.config.Config(retries={"total_max_attempts": 1})``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3.session
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.configprovider import ConstantProvider
from botocore.loaders import Loader

from eventwire_emulator.model import Kinesis
from eventwire_emulator.wire import SubscriptionPolicy, Wire

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_kinesis import KinesisClient

__all__ = ["ENDPOINT_URL", "InProcessTransport", "attach", "client"]

#: Where requests claim to go. Nothing listens on port 1 of the loopback interface, so a
#: request that escaped the in-process handler would fail loudly instead of reaching AWS.
ENDPOINT_URL = "http://127.0.0.1:1"

_loader_lock = threading.Lock()
_loader: Loader | None = None


def _shared_loader() -> Loader:
    # Only botocore's bundled models: the default loader also searches ~/.aws/models.
    # One loader for all clients, so the Kinesis model is parsed once per process.
    global _loader
    with _loader_lock:
        if _loader is None:
            _loader = Loader(
                extra_search_paths=[Loader.BUILTIN_DATA_PATH], include_default_search_paths=False
            )
        return _loader


class _Body:
    """The ``raw`` object botocore reads a response through: ``stream()`` and ``close()``."""

    def __init__(self, body: bytes | Iterator[bytes]) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        if isinstance(self._body, bytes):
            yield self._body
        else:
            yield from self._body

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


class InProcessTransport:
    """A ``before-send`` handler answering Kinesis requests from a `Wire`; thread-safe.

    ``requests`` counts the requests served, so a test can check that every call the
    client made was answered here.
    """

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.requests = 0
        self._lock = threading.Lock()

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        """Serve one signed request."""
        with self._lock:
            self.requests += 1
        headers = {key: _text(value) for key, value in request.headers.items()}
        url = urlsplit(request.url)
        response = self.wire.handle(
            headers.get("X-Amz-Target"),
            _bytes(request.body),
            headers,
            method=request.method,
            path=url.path or "/",
            query=url.query,
        )
        reply_headers = HTTPHeaders()
        for key, value in response.headers.items():
            reply_headers[key] = value
        return AWSResponse(request.url, response.status, reply_headers, _Body(response.body))


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(body: object) -> bytes:
    # botocore's JSON serializer sends bytes; accept the other body types it allows.
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode()
    read = getattr(body, "read", None)
    if read is None:
        raise TypeError(f"unsupported request body: {type(body).__name__}")
    data = read()
    return data.encode() if isinstance(data, str) else bytes(data)


def _isolated_session() -> botocore.session.Session:
    """A botocore session that reads no shared config, credentials or model files."""
    session = botocore.session.Session()
    store = session.get_component("config_store")
    for name, value in (
        ("config_file", os.devnull),
        ("credentials_file", os.devnull),
        ("profile", None),
    ):
        store.set_config_provider(name, ConstantProvider(value))
    session.register_component("data_loader", _shared_loader())
    return session


def client(
    kinesis: Kinesis | None = None,
    *,
    region_name: str | None = None,
    config: Config | None = None,
    subscription: SubscriptionPolicy | None = None,
) -> KinesisClient:
    """Return a boto3 Kinesis client served by ``kinesis`` (a fresh model if None).

    The client signs with dummy credentials and never reads ``~/.aws``. ``config`` is
    passed to boto3 unchanged, retries included (see the module docstring).
    ``subscription`` tunes how long SubscribeToShard streams last. The client's
    region is ``region_name``, else the model's; requests for another region
    (or signed with a twelve-digit access key, naming another account) reach
    that account's streams in that region, apart from ``kinesis``'s.
    """
    model = kinesis if kinesis is not None else Kinesis(region=region_name or "us-east-1")
    region_name = region_name or model.region
    session = boto3.session.Session(botocore_session=_isolated_session())
    kinesis_client = session.client(
        "kinesis",
        region_name=region_name,
        endpoint_url=ENDPOINT_URL,
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
        aws_session_token=None,
        config=config,
    )
    attach(kinesis_client, Wire(model, subscription=subscription))
    return kinesis_client


def attach(kinesis_client: KinesisClient, wire: Wire) -> InProcessTransport:
    """Serve an existing boto3 Kinesis client's requests from ``wire`` from now on.

    The client keeps its own credentials, config and endpoint; only the sending is
    replaced. Returns the transport, whose ``requests`` counts what it served.
    """
    transport = InProcessTransport(wire)
    # The stubs type handlers as returning None; before-send handlers may return a response.
    kinesis_client.meta.events.register("before-send.kinesis", transport)  # type: ignore[arg-type]
    return transport
