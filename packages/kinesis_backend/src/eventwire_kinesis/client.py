"""Build boto3 Kinesis clients: AWS with the standard credential chain, or LocalStack."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_kinesis import KinesisClient

LOCALSTACK_CREDENTIALS = ("test", "test")
"""LocalStack accepts any credentials; non-numeric keys select its default account."""


def aws_client(
    region: str,
    *,
    endpoint_url: str | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    credentials: tuple[str, str] | None = None,
) -> KinesisClient:
    """A boto3 Kinesis client with timeouts that makes one attempt per call.

    The backend is the one retry layer: it counts attempts, paces them and keeps
    them within its deadline, which botocore's own retries would defeat (they
    multiplied requests and time behind its back).

    Credentials come from the standard boto3 chain (environment, profile, IAM
    role) unless ``credentials`` gives an access key pair. ``endpoint_url``
    None lets botocore pick the AWS endpoint, or ``AWS_ENDPOINT_URL_KINESIS``.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    access_key, secret_key = credentials or (None, None)
    return boto3.session.Session().client(
        "kinesis",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=config,
    )


def localstack_endpoint() -> str:
    """LocalStack's Kinesis endpoint from localstack-client (honours ``LOCALSTACK_HOST``)."""
    # localstack-client ships no type information.
    from localstack_client.config import get_service_endpoint  # type: ignore[import-untyped]

    endpoint = get_service_endpoint("kinesis")
    # localstack-client knows every boto3 service; None would mean a broken install.
    if endpoint is None:  # pragma: no cover
        raise RuntimeError("localstack-client has no endpoint for kinesis")
    return str(endpoint)
