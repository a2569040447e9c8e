"""A Kinesis conformance suite, written from the API reference, for any endpoint URL."""
