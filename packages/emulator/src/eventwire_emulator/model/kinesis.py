"""The model root: a small facade over the parts that hold an account's Kinesis operations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Concatenate, ParamSpec, TypeVar

from eventwire_emulator.model.access import AccessPolicies
from eventwire_emulator.model.account import Account
from eventwire_emulator.model.account_settings import AccountSettings
from eventwire_emulator.model.admission import Admission
from eventwire_emulator.model.clock import Clock
from eventwire_emulator.model.consumers import Consumers
from eventwire_emulator.model.control import Control
from eventwire_emulator.model.faults import FaultInjector
from eventwire_emulator.model.lifecycle import Lifecycle
from eventwire_emulator.model.policies import ResourcePolicies
from eventwire_emulator.model.reads import Reads
from eventwire_emulator.model.tagging import Tagging
from eventwire_emulator.model.writes import Writes

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _delegate(
    part: str, method: Callable[Concatenate[Any, _P], _R]
) -> Callable[Concatenate[Kinesis, _P], _R]:
    """Make `method` of the part named `part` a method of the facade, docstring and all.

    A class-level method rather than an attribute bound per instance, so that
    a subclass can still override an operation (tests do, to simulate bugs).
    """

    def call(self: Kinesis, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(getattr(self, part), *args, **kwargs)

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class Kinesis:
    """An in-memory Kinesis Data Streams account in one region.

    Streams are addressed by name or ARN (`stream` parameters accept both).
    Operations take effect immediately; a stream then reports CREATING,
    UPDATING (after a reshard, mode or encryption change) or DELETING for
    `create_delay`, `update_delay` or `delete_delay` seconds (0 by default:
    straight to ACTIVE), refusing operations that need it ACTIVE with
    ResourceInUse meanwhile, as AWS does. Quotas are off by default and
    can be switched at any time through the `quotas` attribute. Thread-safe:
    one lock per stream, one for the stream table.

    Construct with ``Kinesis(clock=..., quotas=..., region=..., account_id=...,
    shard_limit=500, on_demand_stream_count_limit=50, faults=FaultInjector(),
    create_delay=0.0, update_delay=0.0, delete_delay=0.0, policies=None)``.

    `policies` maps access keys to IAM-style identity policy documents (see
    `access`); when given, every request through the wire layer is authorized
    against them and the target's resource policy, as IAM does. Direct calls
    on this object are not: they have no caller.

    The operations live in named parts, each a module of its own: `account`
    (settings, stream table, lookups), `admission` (faults, call rates,
    observers, rollback), `lifecycle` (create, delete, describe, list),
    `writes` (PutRecord, PutRecords), `reads` (iterators, GetRecords,
    ListShards, subscriptions), `control` (resharding, settings), `tagging`,
    `consumers`, `policies` (resource policies) and `settings` (account
    settings). The facade's operations delegate to them by name.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        quotas: bool = False,
        region: str = "us-east-1",
        account_id: str = "000000000000",
        shard_limit: int = 500,
        on_demand_stream_count_limit: int = 50,
        faults: FaultInjector | None = None,
        create_delay: float = 0.0,
        update_delay: float = 0.0,
        delete_delay: float = 0.0,
        policies: AccessPolicies | Mapping[str, Any] | None = None,
    ) -> None:
        self.account = Account(
            clock=clock,
            quotas=quotas,
            region=region,
            account_id=account_id,
            shard_limit=shard_limit,
            on_demand_stream_count_limit=on_demand_stream_count_limit,
            faults=faults,
            create_delay=create_delay,
            update_delay=update_delay,
            delete_delay=delete_delay,
            policies=policies
            if policies is None or isinstance(policies, AccessPolicies)
            else AccessPolicies(policies),
        )
        self.admission = admission = Admission(self.account)
        self.lifecycle = Lifecycle(self.account, admission)
        self.writes = Writes(self.account, admission)
        self.reads = Reads(self.account, admission)
        self.control = Control(self.account, admission)
        self.tagging = Tagging(self.account, admission)
        self.consumers = Consumers(self.account, admission)
        self.policies = ResourcePolicies(self.account, admission)
        self.settings = AccountSettings(self.account, admission)

    # -- account ---------------------------------------------------------------
    stream_arn = _delegate("account", Account.stream_arn)

    # -- lifecycle -------------------------------------------------------------
    create_stream = _delegate("lifecycle", Lifecycle.create_stream)
    delete_stream = _delegate("lifecycle", Lifecycle.delete_stream)
    describe_stream = _delegate("lifecycle", Lifecycle.describe_stream)
    describe_stream_summary = _delegate("lifecycle", Lifecycle.describe_stream_summary)
    list_streams = _delegate("lifecycle", Lifecycle.list_streams)
    describe_limits = _delegate("lifecycle", Lifecycle.describe_limits)

    # -- writes ----------------------------------------------------------------
    put_record = _delegate("writes", Writes.put_record)
    put_records = _delegate("writes", Writes.put_records)

    # -- reads -----------------------------------------------------------------
    get_shard_iterator = _delegate("reads", Reads.get_shard_iterator)
    iterator_stream_arn = _delegate("reads", Reads.iterator_stream_arn)
    get_records = _delegate("reads", Reads.get_records)
    read_shard = _delegate("reads", Reads.read_shard)
    open_subscription = _delegate("reads", Reads.open_subscription)
    list_shards = _delegate("reads", Reads.list_shards)

    # -- control ---------------------------------------------------------------
    split_shard = _delegate("control", Control.split_shard)
    merge_shards = _delegate("control", Control.merge_shards)
    update_shard_count = _delegate("control", Control.update_shard_count)
    increase_stream_retention_period = _delegate(
        "control", Control.increase_stream_retention_period
    )
    decrease_stream_retention_period = _delegate(
        "control", Control.decrease_stream_retention_period
    )
    start_stream_encryption = _delegate("control", Control.start_stream_encryption)
    stop_stream_encryption = _delegate("control", Control.stop_stream_encryption)
    enable_enhanced_monitoring = _delegate("control", Control.enable_enhanced_monitoring)
    disable_enhanced_monitoring = _delegate("control", Control.disable_enhanced_monitoring)
    update_stream_mode = _delegate("control", Control.update_stream_mode)
    update_max_record_size = _delegate("control", Control.update_max_record_size)
    update_stream_warm_throughput = _delegate("control", Control.update_stream_warm_throughput)
    update_stream_record_distribution_strategy = _delegate(
        "control", Control.update_stream_record_distribution_strategy
    )

    # -- tagging ---------------------------------------------------------------
    add_tags_to_stream = _delegate("tagging", Tagging.add_tags_to_stream)
    remove_tags_from_stream = _delegate("tagging", Tagging.remove_tags_from_stream)
    list_tags_for_stream = _delegate("tagging", Tagging.list_tags_for_stream)
    tag_resource = _delegate("tagging", Tagging.tag_resource)
    untag_resource = _delegate("tagging", Tagging.untag_resource)
    list_tags_for_resource = _delegate("tagging", Tagging.list_tags_for_resource)

    # -- consumers -------------------------------------------------------------
    register_stream_consumer = _delegate("consumers", Consumers.register_stream_consumer)
    describe_stream_consumer = _delegate("consumers", Consumers.describe_stream_consumer)
    list_stream_consumers = _delegate("consumers", Consumers.list_stream_consumers)
    deregister_stream_consumer = _delegate("consumers", Consumers.deregister_stream_consumer)

    # -- policies ------------------------------------------------------------------
    put_resource_policy = _delegate("policies", ResourcePolicies.put_resource_policy)
    get_resource_policy = _delegate("policies", ResourcePolicies.get_resource_policy)
    policy_for = _delegate("policies", ResourcePolicies.policy_for)
    delete_resource_policy = _delegate("policies", ResourcePolicies.delete_resource_policy)

    # -- settings --------------------------------------------------------------------
    describe_account_settings = _delegate("settings", AccountSettings.describe_account_settings)
    update_account_settings = _delegate("settings", AccountSettings.update_account_settings)

    # -- settings shared by every part (they live on `account`) ------------------

    @property
    def clock(self) -> Clock:
        """The clock every operation reads."""
        return self.account.clock

    @property
    def faults(self) -> FaultInjector:
        """The fault injector every call passes through."""
        return self.account.faults

    @property
    def quotas(self) -> bool:
        """Whether shard quotas and call rates are enforced; may be switched at any time."""
        return self.account.quotas

    @quotas.setter
    def quotas(self, value: bool) -> None:
        self.account.quotas = value

    @property
    def region(self) -> str:
        """The region this account's streams live in."""
        return self.account.region

    @property
    def account_id(self) -> str:
        """The twelve-digit account id."""
        return self.account.account_id

    @property
    def shard_limit(self) -> int:
        """The account's open-shard limit."""
        return self.account.shard_limit

    @property
    def on_demand_stream_count_limit(self) -> int:
        """The account's limit of ON_DEMAND streams."""
        return self.account.on_demand_stream_count_limit

    def observing(self) -> AbstractContextManager[None]:
        """Read as an observer (see `Admission.observing`)."""
        return self.admission.observing()
