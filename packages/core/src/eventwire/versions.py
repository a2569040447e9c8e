"""Event versions: type strings split into base and version, upcasters, newer-version policy."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from eventwire.errors import RegistryError, UpcastError

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the ``data`` of a version-N record into the ``data`` of version N+1."""

Step = tuple[int, Upcaster]
"""One upcaster and the version whose data it reads."""

MAX_UPCAST_STEPS = 1000
"""The longest chain of upcasters one decode runs (a bound, not a limit anyone should meet)."""


class NewerVersionPolicy(enum.StrEnum):
    """What decoding does with a record whose version is newer than every known class.

    ``ERROR`` (the default) raises ``NewerEventVersionError``: a reader that has
    not been upgraded must not guess. ``NEWEST_COMPATIBLE`` validates the data as
    the newest registered class of the type and yields that instance when it
    validates (the change was forward compatible); when it does not, it raises
    ``NewerEventVersionError`` naming the fields that do not fit.
    """

    ERROR = "error"
    NEWEST_COMPATIBLE = "newest_compatible"


def split_type(event_type: str) -> tuple[str, int] | None:
    """``("com.example.x", 2)`` for ``"com.example.x.v2"``; None when there is no version suffix."""
    base, dot_v, number = event_type.rpartition(".v")
    if not dot_v or not base or not number.isdigit() or not number.isascii():
        return None
    version = int(number)
    return (base, version) if version >= 1 else None


class Upcasters:
    """Upcasters by (base type, from-version); each one moves data up one version.

    Not thread-safe on its own: ``EventRegistry`` guards it with its lock.
    """

    __slots__ = ("_steps",)

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def add(self, base_type: str, from_version: int, upcaster: Upcaster) -> None:
        """Register ``upcaster`` for records of ``base_type`` at ``from_version``.

        Raises:
            RegistryError: the version is not a positive integer, the upcaster is
                not callable, or one is already registered for this step.
        """
        if isinstance(from_version, bool) or not isinstance(from_version, int) or from_version < 1:
            raise RegistryError(
                f"upcaster for {base_type!r}: from_version must be a positive integer, "
                f"got {from_version!r}"
            )
        if not callable(upcaster):
            raise RegistryError(f"upcaster for {base_type!r} must be callable, got {upcaster!r}")
        taken = self._steps.get((base_type, from_version))
        if taken is not None and taken is not upcaster:
            raise RegistryError(
                f"an upcaster from {base_type!r} version {from_version} is already registered "
                f"({_name(taken)}); remove it first with remove_upcaster"
            )
        self._steps[(base_type, from_version)] = upcaster

    def remove(self, base_type: str, from_version: int) -> None:
        """Drop the upcaster for this step, if any."""
        self._steps.pop((base_type, from_version), None)

    def steps(self) -> list[tuple[str, int]]:
        """Every registered (base type, from-version), sorted."""
        return sorted(self._steps)

    def chain(self, base_type: str, version: int, stop_at: int) -> tuple[Step, ...]:
        """The upcasters from ``version`` on, in order, never past ``stop_at``."""
        steps: list[Step] = []
        for _ in range(MAX_UPCAST_STEPS):
            upcaster = self._steps.get((base_type, version)) if version < stop_at else None
            if upcaster is None:
                break
            steps.append((version, upcaster))
            version += 1
        return tuple(steps)


def run_chain(base_type: str, steps: tuple[Step, ...], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` moved up through ``steps``.

    Raises:
        UpcastError: an upcaster raised or returned something other than a dict.
    """
    for version, upcaster in steps:
        try:
            upcast = upcaster(data)
        except Exception as exc:
            raise UpcastError(
                f"upcaster {_name(upcaster)} from {base_type!r} version {version} to "
                f"{version + 1} failed: {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(upcast, dict):
            raise UpcastError(
                f"upcaster {_name(upcaster)} from {base_type!r} version {version} must "
                f"return a dict of event fields, not {type(upcast).__name__}"
            )
        data = upcast
    return data


def _name(function: object) -> str:
    return getattr(function, "__qualname__", None) or repr(function)
