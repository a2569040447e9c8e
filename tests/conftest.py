"""Plugins every test folder may use."""

pytest_plugins = ["pytester"]
