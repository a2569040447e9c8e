"""Account settings: DescribeAccountSettings and UpdateAccountSettings."""

from __future__ import annotations

from eventwire_emulator.model.account import Account
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.errors import InvalidArgument
from eventwire_emulator.model.results import BillingCommitment

COMMITMENT_STATUSES = ("ENABLED", "DISABLED")


class AccountSettings:
    """The minimum throughput billing commitment of one account; thread-safe.

    The emulator bills nothing: the setting is stored and reported, as a
    client that manages it expects, and changes no other behaviour.
    """

    def __init__(self, account: Account, admission: Admission) -> None:
        self._account = account
        self._admission = admission
        self._commitment = BillingCommitment("DISABLED")

    def describe_account_settings(self) -> BillingCommitment:
        """DescribeAccountSettings."""
        self._admission.api_call("DescribeAccountSettings")
        with self._account.lock:
            return self._commitment

    def update_account_settings(self, status: str) -> BillingCommitment:
        """UpdateAccountSettings: ENABLED starts a commitment, DISABLED ends one."""
        self._admission.api_call("UpdateAccountSettings")
        if status not in COMMITMENT_STATUSES:
            raise InvalidArgument(f"Invalid Status {status!r}: ENABLED or DISABLED.")
        now = self._account.clock.now()
        with self._account.lock:
            current = self._commitment
            if status == "ENABLED" and current.status != "ENABLED":
                self._commitment = BillingCommitment("ENABLED", started_at=now)
            elif status == "DISABLED" and current.status == "ENABLED":
                self._commitment = BillingCommitment("DISABLED", current.started_at, now)
            return self._commitment
