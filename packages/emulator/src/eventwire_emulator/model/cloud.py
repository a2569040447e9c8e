"""Kinesis accounts by account id and region: streams are separate for each pair.

AWS keeps an account's streams apart per region, and accounts apart from
each other; a server that takes the region from each request's credential
scope and the account from its access key needs one `Kinesis` per pair.
"""

from __future__ import annotations

import re
import threading

from eventwire_emulator.model.errors import InvalidArgument, LimitExceeded
from eventwire_emulator.model.kinesis import Kinesis

MAX_ACCOUNTS = 64
"""(account, region) pairs one cloud holds at most: each is a whole model."""

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_ACCOUNT_ID = re.compile(r"\d{12}")


class Cloud:
    """One `Kinesis` per (account id, region), each made on first use; thread-safe.

    The `primary` model serves its own account and region. Others are made
    with its settings (clock, quotas, fault injector, limits, state delays) as
    they stand at that moment.
    """

    def __init__(self, primary: Kinesis, *, limit: int = MAX_ACCOUNTS) -> None:
        self.primary = primary
        self.limit = limit
        self._lock = threading.Lock()
        self._models: dict[tuple[str, str], Kinesis] = {
            (primary.account_id, primary.region): primary
        }

    def get(self, account_id: str, region: str) -> Kinesis:
        """Return the model of an account in a region, making it if it is new.

        Raises:
            InvalidArgument: the region or account id is malformed.
            LimitExceeded: `limit` pairs exist already.
        """
        found = self._models.get((account_id, region))
        if found is not None:
            return found
        if not _REGION.fullmatch(region):
            raise InvalidArgument(f"Invalid region {region!r} in the credential scope.")
        if not _ACCOUNT_ID.fullmatch(account_id):
            raise InvalidArgument(f"Invalid account id {account_id!r}: twelve digits.")
        with self._lock:
            found = self._models.get((account_id, region))
            if found is None:
                if len(self._models) >= self.limit:
                    raise LimitExceeded(
                        f"This emulator holds {self.limit} account-region pairs, its limit; "
                        f"account {account_id} in {region} would be one more."
                    )
                primary = self.primary
                found = Kinesis(
                    clock=primary.clock,
                    quotas=primary.quotas,
                    region=region,
                    account_id=account_id,
                    shard_limit=primary.shard_limit,
                    on_demand_stream_count_limit=primary.on_demand_stream_count_limit,
                    faults=primary.faults,
                    create_delay=primary.account.create_delay,
                    update_delay=primary.account.update_delay,
                    delete_delay=primary.account.delete_delay,
                    policies=primary.account.policies,
                )
                found.account.journal = primary.account.journal
                self._models[(account_id, region)] = found
            return found

    def models(self) -> list[Kinesis]:
        """Every model made so far, the primary first."""
        with self._lock:
            return list(self._models.values())
