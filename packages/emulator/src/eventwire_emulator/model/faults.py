"""Fault injection: scripted errors, per-entry PutRecords failures, latency, midway bugs."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from eventwire_emulator.model.clock import Clock
from eventwire_emulator.model.errors import InjectedFault

DEFAULT_MESSAGES = {
    "InternalFailure": "Internal Service Failure",
    "ServiceUnavailable": "Service Unavailable",
    "ProvisionedThroughputExceededException": "Rate exceeded (injected fault).",
    "KMSThrottlingException": "KMS rate exceeded (injected fault).",
    "KMSAccessDeniedException": "KMS access denied (injected fault).",
    "AccessDeniedException": "Access denied (injected fault).",
    "ResourceNotFoundException": "Resource not found (injected fault).",
}


class InjectedBug(RuntimeError):
    """An unexpected error raised midway through an operation, standing in for a bug.

    Deliberately not a `ModelError`: the model must treat it as it would any
    bug (roll the operation back, let it propagate), and the wire layer as
    an internal failure of that one request.
    """

    def __init__(self, operation: str) -> None:
        super().__init__(f"injected bug midway through {operation}")
        self.operation = operation


def default_message(code: str) -> str:
    """Return an AWS-like message for an injected error code."""
    return DEFAULT_MESSAGES.get(code, f"Injected fault: {code}")


@dataclass(slots=True)
class _CallFault:
    operation: str | None
    code: str
    message: str
    remaining: int


@dataclass(slots=True)
class _Latency:
    operation: str | None
    seconds: float
    remaining: int | None


@dataclass(slots=True)
class _EntryFault:
    code: str
    message: str
    every: int | None
    fraction: float | None
    rng: random.Random
    remaining: int | None
    seen: int = 0


@dataclass(slots=True)
class _State:
    calls: list[_CallFault] = field(default_factory=list)
    latencies: list[_Latency] = field(default_factory=list)
    entries: list[_EntryFault] = field(default_factory=list)
    midway: list[_CallFault] = field(default_factory=list)


class FaultInjector:
    """Scripts failures for model operations, named as in the AWS API ("PutRecords").

    Rules apply in the order they were added; thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = _State()

    @property
    def has_entry_faults(self) -> bool:
        """Whether any per-entry PutRecords rule is active (a cheap hot-path check)."""
        return bool(self._state.entries)

    def fail(
        self,
        code: str,
        message: str | None = None,
        *,
        operation: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `operation` (None: any) raise `InjectedFault`."""
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._state.calls.append(
                _CallFault(operation, code, message or default_message(code), times)
            )

    def fail_entries(
        self,
        code: str = "InternalFailure",
        message: str | None = None,
        *,
        every: int | None = None,
        fraction: float | None = None,
        seed: int = 0,
        times: int | None = None,
    ) -> None:
        """Fail PutRecords entries individually with `code`, leaving the others to succeed.

        Give exactly one of `every` (the k-th, 2k-th, ... entry seen fails) or
        `fraction` (each entry fails with that probability from a RNG seeded with
        `seed`). `times` caps how many entries fail; None means no cap.
        """
        if (every is None) == (fraction is None):
            raise ValueError("give exactly one of every= or fraction=")
        if every is not None and every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        if fraction is not None and not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be in [0, 1], got {fraction}")
        rule = _EntryFault(
            code, message or default_message(code), every, fraction, random.Random(seed), times
        )
        with self._lock:
            self._state.entries.append(rule)

    @property
    def has_midway_bugs(self) -> bool:
        """Whether any `break_midway` rule is active (a cheap hot-path check)."""
        return bool(self._state.midway)

    def break_midway(self, operation: str, *, times: int = 1) -> None:
        """Make the next `times` calls of `operation` raise `InjectedBug` midway.

        The error is raised after the operation has changed the model and before
        it returns, which is where a bug does the most harm: the model must
        roll the change back and keep serving later calls.
        """
        if times < 1:
            raise ValueError(f"times must be at least 1, got {times}")
        with self._lock:
            self._state.midway.append(_CallFault(operation, "InternalFailure", "", times))

    def midway(self, operation: str) -> None:
        """Raise `InjectedBug` if a `break_midway` rule matches this call of `operation`."""
        state = self._state
        if not state.midway:
            return
        with self._lock:
            hit = False
            for rule in state.midway:
                if rule.operation == operation:
                    rule.remaining -= 1
                    hit = True
                    break
            state.midway = [x for x in state.midway if x.remaining > 0]
        if hit:
            raise InjectedBug(operation)

    def add_latency(
        self, seconds: float, *, operation: str | None = None, times: int | None = None
    ) -> None:
        """Delay calls of `operation` (None: any) by `seconds` on the model's clock."""
        if seconds < 0:
            raise ValueError(f"latency must not be negative, got {seconds}")
        with self._lock:
            self._state.latencies.append(_Latency(operation, seconds, times))

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._state = _State()

    def before_call(self, operation: str, clock: Clock) -> None:
        """Apply latency and scripted failures for one call of `operation`.

        Raises:
            InjectedFault: a scripted failure matched.
        """
        state = self._state
        if not state.calls and not state.latencies:
            return
        delay = 0.0
        fault: _CallFault | None = None
        with self._lock:
            for latency in state.latencies:
                if latency.operation in (None, operation):
                    delay += latency.seconds
                    if latency.remaining is not None:
                        latency.remaining -= 1
            state.latencies = [x for x in state.latencies if x.remaining != 0]
            for call in state.calls:
                if call.operation in (None, operation):
                    call.remaining -= 1
                    fault = call
                    break
            state.calls = [x for x in state.calls if x.remaining > 0]
        if delay:
            clock.sleep(delay)
        if fault is not None:
            raise InjectedFault(fault.code, fault.message)

    def entry_fault(self) -> InjectedFault | None:
        """Decide whether the next PutRecords entry fails; return its error if so."""
        with self._lock:
            for rule in self._state.entries:
                rule.seen += 1
                if rule.every is not None:
                    hit = rule.seen % rule.every == 0
                else:
                    hit = rule.rng.random() < (rule.fraction or 0.0)
                if hit:
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._state.entries.remove(rule)
                    return InjectedFault(rule.code, rule.message)
        return None
