"""Options and environment: the plugin's backends, validation and clear errors."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

import eventwire_kinesis.plugin as plugin
from eventwire import ConfigurationError, Publisher, available_backends
from eventwire_kinesis import OPTIONS, KinesisBackend, RetryPolicy
from eventwire_kinesis.settings import resolve
from tests.kinesis_backend.events import Placed

NO_PROFILE = {"profile_region": lambda: None}


class TestResolve:
    """resolve validates options and fills gaps from the environment."""

    def test_no_stream_names_the_variable(self) -> None:
        """Without a stream the error says to set EVENTWIRE_STREAM."""
        with pytest.raises(ConfigurationError, match="EVENTWIRE_STREAM"):
            resolve({"stream": None, "region": "eu-west-1"}, environ={})

    def test_unknown_option_lists_accepted_ones(self) -> None:
        """An unknown option is named, with every accepted option listed."""
        with pytest.raises(ConfigurationError) as info:
            resolve({"stream": "s", "regoin": "x"}, environ={})
        assert "['regoin']" in str(info.value)
        assert all(name in str(info.value) for name in OPTIONS)

    def test_no_region_says_how_to_set_one(self) -> None:
        """Without any region the error names AWS_REGION and AWS_DEFAULT_REGION."""
        with pytest.raises(ConfigurationError) as info:
            resolve({"stream": "s"}, environ={}, **NO_PROFILE)
        assert "AWS_REGION" in str(info.value)
        assert "AWS_DEFAULT_REGION" in str(info.value)

    @pytest.mark.parametrize(
        ("environ", "expected"),
        [
            ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}, "eu-west-1"),
            ({"AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"),
        ],
    )
    def test_region_from_environment(self, environ: dict[str, str], expected: str) -> None:
        """AWS_REGION wins over AWS_DEFAULT_REGION."""
        assert expected == resolve({"stream": "s"}, environ=environ, **NO_PROFILE).region

    def test_region_argument_wins(self) -> None:
        """An explicit region beats the environment."""
        settings = resolve({"stream": "s", "region": "ap-south-1"}, environ={"AWS_REGION": "x"})
        assert "ap-south-1" == settings.region

    def test_arn_gives_name_and_region(self) -> None:
        """A stream ARN gives the stream name and its region."""
        arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/people"
        settings = resolve({"stream": arn}, environ={}, **NO_PROFILE)
        assert ("people", arn, "eu-central-1") == (
            settings.stream.name,
            settings.stream.arn,
            settings.region,
        )
        assert {"StreamARN": arn} == settings.stream.params()

    def test_arn_region_conflict(self) -> None:
        """An ARN in another region than the one configured is an error."""
        arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/people"
        with pytest.raises(ConfigurationError, match="eu-central-1"):
            resolve({"stream": arn, "region": "us-east-1"}, environ={})

    @pytest.mark.parametrize("stream", ["arn:aws:s3:::bucket", "bad name!", "x" * 129])
    def test_bad_stream(self, stream: str) -> None:
        """Malformed names and non-Kinesis ARNs are rejected."""
        with pytest.raises(ConfigurationError):
            resolve({"stream": stream, "region": "us-east-1"}, environ={})

    @pytest.mark.parametrize(
        "option",
        [
            {"connect_timeout": 0},
            {"read_timeout": "soon"},
            {"max_attempts": 0},
            {"max_attempts": 2.5},
            {"retry_deadline": -1},
            {"endpoint_url": "localhost:4566"},
            {"client": object()},
        ],
    )
    def test_bad_values(self, option: dict[str, Any]) -> None:
        """Each bad value is refused with a ConfigurationError."""
        with pytest.raises(ConfigurationError):
            resolve({"stream": "s", "region": "us-east-1", **option}, environ={})

    def test_limits_from_environment(self) -> None:
        """Retry limits come from EVENTWIRE_KINESIS_* when not given as options."""
        environ = {"EVENTWIRE_KINESIS_MAX_ATTEMPTS": "7", "EVENTWIRE_KINESIS_RETRY_DEADLINE": "3"}
        settings = resolve({"stream": "s", "region": "us-east-1"}, environ=environ)
        assert RetryPolicy(max_attempts=7, deadline=3.0) == settings.retry

    def test_bad_limit_in_environment(self) -> None:
        """A non-numeric EVENTWIRE_KINESIS_MAX_ATTEMPTS names the variable."""
        with pytest.raises(ConfigurationError, match="EVENTWIRE_KINESIS_MAX_ATTEMPTS"):
            resolve(
                {"stream": "s", "region": "x"}, environ={"EVENTWIRE_KINESIS_MAX_ATTEMPTS": "many"}
            )

    def test_localstack_defaults_region(self) -> None:
        """The localstack backend needs no region."""
        assert "us-east-1" == resolve({"stream": "s"}, backend="localstack", environ={}).region


class TestPublisherByName:
    """Backends by name through the entry point, configured by options or environment."""

    def test_backends_are_listed(self) -> None:
        """Both names are installed."""
        assert {"kinesis", "localstack"} <= set(available_backends())

    def test_environment_configures_the_kinesis_backend(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """EVENTWIRE_BACKEND, EVENTWIRE_STREAM and AWS_REGION are enough."""
        monkeypatch.setenv("EVENTWIRE_BACKEND", "kinesis")
        monkeypatch.setenv("EVENTWIRE_STREAM", "people")
        monkeypatch.setenv("AWS_REGION", "eu-west-1")
        with Publisher() as publisher:
            backend = publisher.backend
            assert isinstance(backend, KinesisBackend)
            assert ("kinesis", "people", "eu-west-1") == (
                backend.name,
                backend.stream,
                backend.client.meta.region_name,
            )

    def test_publisher_options_reach_the_backend(self, boto: Any) -> None:
        """Keyword arguments of the Publisher are backend options."""
        with Publisher("kinesis", stream="orders", client=boto, max_attempts=2) as publisher:
            assert isinstance(publisher.backend, KinesisBackend)
            assert 2 == publisher.backend.retry.max_attempts
            assert publisher.publish(Placed(customer="a", n=0)).ok

    def test_no_stream_through_the_publisher(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Publisher("kinesis") without a stream names EVENTWIRE_STREAM."""
        monkeypatch.delenv("EVENTWIRE_STREAM", raising=False)
        with pytest.raises(ConfigurationError, match="EVENTWIRE_STREAM"):
            Publisher("kinesis", region="us-east-1")

    def test_no_region_through_the_publisher(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Publisher("kinesis") without a region says how to set one."""
        for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/eventwire-test-config")
        with pytest.raises(ConfigurationError, match="AWS_DEFAULT_REGION"):
            Publisher("kinesis", stream="s")

    def test_localstack_endpoint_honours_localstack_host(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The localstack backend's endpoint comes from LOCALSTACK_HOST."""
        monkeypatch.setenv("LOCALSTACK_HOST", "127.0.0.1:4599")
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        with Publisher("localstack", stream="s") as publisher:
            backend = publisher.backend
            assert isinstance(backend, KinesisBackend)
            assert "http://127.0.0.1:4599" == backend.client.meta.endpoint_url

    def test_other_names_are_not_ours(self) -> None:
        """The hook returns None for names it does not provide."""
        assert plugin.eventwire_make_backend(name="memory", options={}) is None

    def test_plugin_imports_boto3_lazily(self) -> None:
        """Importing the entry-point module does not import boto3."""
        code = "import sys, eventwire_kinesis.plugin; print('boto3' in sys.modules)"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "False" == done.stdout.strip()


class TestBuiltClient:
    """A client the backend builds: timeouts, standard retries, and ownership."""

    def test_config(self) -> None:
        """Connect/read timeouts and botocore's standard retry mode."""
        backend = KinesisBackend("s", region="us-east-1", connect_timeout=1.5, read_timeout=4)
        config = backend.client.meta.config
        assert (1.5, 4.0, "standard") == (
            config.connect_timeout,
            config.read_timeout,
            config.retries["mode"],
        )
        backend.close()

    def test_settings_and_arguments_are_exclusive(self) -> None:
        """Passing resolved settings and arguments at once is an error."""
        settings = resolve({"stream": "s", "region": "us-east-1"}, environ={})
        with pytest.raises(ConfigurationError):
            KinesisBackend("s", settings=settings)
