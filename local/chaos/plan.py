"""A chaos plan from a seed: the merchant, then phases of actions, each played under its own faults.

Everything comes from one `random.Random(seed)`, so a seed (with the same sizes) always gives the
same plan; only the timing of a run varies, and the checks hold whatever the timing.

The actions are the shapes Shopify and the ledger's rules agree on (docs/ledger.md): POS orders at
any location, online orders (shipped from the primary), fulfilments, cancels with restock, returns
of shipped units (`return` at any location; `legacy_restock` and `no_restock` once a line has no
open units, since Shopify would release open units first), transfers, counts and admin edits.
Counts open a phase: the runner records them once everything before has been applied, so the level
they set is exact. Transfers only add and subtract, so they race the webhooks freely.

Faults of the ledger's own recovery paths (issue #14): webhooks still in flight across the heal, push
answers lost after Shopify applied them (LostAck), Shopify refusing or unavailable past the stream's
retries (levels set aside, swept), edits in Shopify's admin (AdminEdit, healed: the chaos merchant's
policy is `heal`), and a SKU Shopify gains mid-run, sold before the ledger maps it (AddSku, then
MapSku: `ledgerctl map`, whose replay of the parked sales must subtract nothing twice); every other
such SKU is a second variant carrying a SKU the ledger maps already (Shopify allows it): the ledger
must give it a level of its own and keep each variant's orders on its own level.
"""

import math
import random
from dataclasses import dataclass, field, replace
from enum import StrEnum

from chaos.merchant import PRIMARY, Merchant

MIN_PHASES = 6
WEBHOOKS_PER_PHASE = 250


# -- actions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: int


@dataclass(frozen=True)
class PlaceOrder:
    order: int  # the plan's number for it; Shopify assigns the ids
    location: str | None  # POS at this location; None: online
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True)
class Fulfil:
    order: int
    lines: tuple[tuple[int, int], ...]  # (line index, units)


@dataclass(frozen=True)
class Cancel:
    order: int  # always with restock: the ledger's rule restocks every open unit of a cancelled order


@dataclass(frozen=True)
class RefundLine:
    line: int
    quantity: int
    restock_type: str  # return | legacy_restock | no_restock
    location: str | None  # where the units come back; None: where they were sold


@dataclass(frozen=True)
class Refund:
    order: int
    refund: int
    lines: tuple[RefundLine, ...]


@dataclass(frozen=True)
class Transfer:
    operation_id: str
    sku: str
    source: str
    target: str
    quantity: int


@dataclass(frozen=True)
class Count:
    operation_id: str
    location: str
    sku: str
    counted: int


@dataclass(frozen=True)
class AdminEdit:
    location: str
    sku: str
    available: int


@dataclass(frozen=True)
class LostAck:
    """A receipt whose push Shopify applies while its answer is lost: played at the phase's start, the
    runner sends the push the pusher is about to send (same levels, values and key), then records the
    receipt; the pusher's own push (or its bisected retry) must recognise the level as its own."""

    operation_id: str
    location: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class AddSku:
    """Shopify gains a SKU (a new product stocked at every location); the ledger does not map it yet."""

    sku: str


@dataclass(frozen=True)
class MapSku:
    """The operator maps the SKU (`ledgerctl map --sku`): its levels imported, its parked sales replayed."""

    sku: str


Action = PlaceOrder | Fulfil | Cancel | Refund | Transfer | Count | AdminEdit | LostAck | AddSku | MapSku


# -- faults -----------------------------------------------------------------------------------------


class FaultKind(StrEnum):
    DUPLICATE = "duplicate deliveries"
    DELAY = "delayed deliveries"
    SHUFFLE = "held, released shuffled"
    REVERSE = "held, released newest first"
    SHOPIFY_5XX = "Shopify 5xx"
    SHOPIFY_429 = "Shopify 429"
    THROTTLE = "Shopify bucket emptied"
    STALE = "stale CAS answers"
    KILL_INGRESS = "webhook_ingress killed"
    KILL_CONSUMER = "ledger_consumer killed"
    KILL_PUSHER = "level_pusher killed"
    # Shopify refusing every call of the shop for the phase (credentials lost): pushes are set aside,
    # marked for re-push, and the pusher's sweep pushes them once it answers (docs/pushing.md).
    SHOPIFY_DOWN = "Shopify refusing every call"
    # Shopify answering 503 to every call of the shop for the phase: past the client's retries and the
    # stream's, the levels are set aside and the sweep pushes them once it answers.
    SHOPIFY_UNAVAILABLE = "Shopify unavailable past every retry"
    # Shopify applied a push whose answer never came back (LostAck): recognised, never frozen.
    LOST_ACK = "push answers lost after Shopify applied them"
    # A SKU Shopify gained mid-run, sold before it was mapped (AddSku ... MapSku).
    REMAP = "SKU mapped mid-run, parked sales replayed"
    # That SKU a second variant of a mapped one (two variants, one SKU): a level of its own, and orders
    # of either variant move only theirs. Every other late SKU is one (the first always).
    SHARED_SKU = "a variant sharing a mapped SKU, mapped mid-run"
    # The last phase's webhooks still in flight while the reconciler heals, delivered after it: the
    # catch-up must have applied their orders, so the heal cannot re-inflate (docs/reconciliation.md).
    LATE_ACROSS_HEAL = "webhooks delivered after the heal"


# Not spread over the phases at random: the last phase always holds its deliveries across the heal, and
# a shared SKU comes with the remapping phase whose late SKU is one.
_NOT_SPREAD = frozenset({FaultKind.LATE_ACROSS_HEAL, FaultKind.SHARED_SKU})


# Faults that only bite when the phase pushes to Shopify (transfers and counts make pushes).
_EXCLUSIVE = {
    FaultKind.SHUFFLE: {FaultKind.REVERSE},
    FaultKind.REVERSE: {FaultKind.SHUFFLE},
    # A stale answer needs Shopify answering: not in a phase it refuses or fails every call.
    FaultKind.STALE: {FaultKind.SHOPIFY_DOWN, FaultKind.SHOPIFY_UNAVAILABLE},
    FaultKind.SHOPIFY_DOWN: {FaultKind.STALE},
    FaultKind.SHOPIFY_UNAVAILABLE: {FaultKind.STALE},
}
PUSH_FAULTS = frozenset(
    {FaultKind.SHOPIFY_5XX, FaultKind.SHOPIFY_429, FaultKind.THROTTLE, FaultKind.STALE, FaultKind.SHOPIFY_DOWN,
     FaultKind.SHOPIFY_UNAVAILABLE}
)  # fmt: skip
# Shopify's answer while it refuses every call of the shop, and while it is unavailable.
DOWN_STATUS = 401
UNAVAILABLE_STATUS = 503

KILLED_FUNCTIONS = {
    FaultKind.KILL_INGRESS: "webhook_ingress",
    FaultKind.KILL_CONSUMER: "ledger_consumer",
    FaultKind.KILL_PUSHER: "level_pusher",
}


class Release(StrEnum):
    SHUFFLED = "shuffled"
    NEWEST_FIRST = "newest first"


@dataclass(frozen=True)
class ShopifyError:
    status: int
    count: int
    retry_after: float | None = None


@dataclass(frozen=True)
class Throttle:
    maximum_available: float
    restore_rate: float


@dataclass(frozen=True)
class StaleLevel:
    location: str
    sku: str
    count: int


@dataclass(frozen=True)
class Kill:
    function: str
    count: int
    # Records of its batch the killed invocation handles before it dies (None: all of them).
    after_records: int | None = None


@dataclass(frozen=True)
class Faults:
    duplicate: int = 0  # extra copies of every delivery
    delay_s: float = 0.0
    release: Release | None = None  # deliveries held during the phase, then released this way
    shuffle_seed: int = 0
    shopify_errors: tuple[ShopifyError, ...] = ()
    throttle: Throttle | None = None
    stale: tuple[StaleLevel, ...] = ()
    kills: tuple[Kill, ...] = ()
    # The phase's deliveries stay held until the reconciler has healed (then released as `release` says).
    across_heal: bool = False
    # The phase plays LostAck or AddSku ... MapSku (its actions say which).
    lost_acks: bool = False
    remap: bool = False
    shared_sku: bool = False  # the late SKU it maps is a second variant of a mapped SKU


@dataclass(frozen=True)
class Phase:
    number: int
    faults: Faults
    counts: tuple[Count, ...]  # recorded first, once everything before has been applied
    actions: tuple[Action, ...]
    estimated_deliveries: int  # Shopify's own events times their copies (pushes' echoes not counted)
    # Played after the counts, before the phase's faults are switched on (Shopify must apply them).
    lost_acks: tuple[LostAck, ...] = ()


@dataclass(frozen=True)
class Plan:
    seed: int
    webhooks: int
    merchant: Merchant
    phases: tuple[Phase, ...]

    @property
    def estimated_deliveries(self) -> int:
        return sum(phase.estimated_deliveries for phase in self.phases)

    def fault_kinds(self) -> set[FaultKind]:
        return {kind for phase in self.phases for kind in fault_kinds(phase.faults)}


def error_kind(status: int, count: int = 0) -> FaultKind:
    if status == 429:
        return FaultKind.SHOPIFY_429
    if status == DOWN_STATUS:
        return FaultKind.SHOPIFY_DOWN
    return FaultKind.SHOPIFY_UNAVAILABLE if count >= UNAVAILABLE_CALLS else FaultKind.SHOPIFY_5XX


# A phase-long outage: more answers than any phase asks for.
UNAVAILABLE_CALLS = 1000


def fault_kinds(faults: Faults) -> list[FaultKind]:
    switched_on = {
        FaultKind.DUPLICATE: bool(faults.duplicate),
        FaultKind.DELAY: bool(faults.delay_s),
        FaultKind.SHUFFLE: faults.release is Release.SHUFFLED,
        FaultKind.REVERSE: faults.release is Release.NEWEST_FIRST,
        FaultKind.LOST_ACK: faults.lost_acks,
        FaultKind.REMAP: faults.remap,
        FaultKind.SHARED_SKU: faults.shared_sku,
        FaultKind.LATE_ACROSS_HEAL: faults.across_heal,
        FaultKind.THROTTLE: faults.throttle is not None,
        FaultKind.STALE: bool(faults.stale),
    }
    by_function = {function: kind for kind, function in KILLED_FUNCTIONS.items()}
    return [
        *(kind for kind, on in switched_on.items() if on),
        *(error_kind(e.status, e.count) for e in faults.shopify_errors),
        *(by_function[kill.function] for kill in faults.kills),
    ]


# -- the generator ----------------------------------------------------------------------------------


@dataclass
class _OrderState:
    lines: list[OrderLine]
    fulfilled: list[int]
    returned: list[int]
    cancelled: bool = False

    def open_units(self, line: int) -> int:
        return 0 if self.cancelled else self.lines[line].quantity - self.fulfilled[line]

    def returnable(self, line: int) -> int:
        return self.fulfilled[line] - self.returned[line]


@dataclass
class _Generator:
    rng: random.Random
    merchant: Merchant
    orders: list[_OrderState] = field(default_factory=list)
    refunds: int = 0
    operations: int = 0
    # Late SKUs Shopify has not gained yet, in the order their phases add them; then the one Shopify
    # sells and the ledger has not mapped yet (only its orders use it: no transfer, count or edit).
    pending_late: list[str] = field(default_factory=list)
    unmapped: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.pending_late = list(self.merchant.late_skus)

    @property
    def skus(self) -> list[str]:
        """The SKUs the ledger maps now: operators and Shopify trade only these (a late SKU is sold
        before its mapping by the phase that adds it, on purpose)."""
        return [sku for sku in self.merchant.skus if sku not in self.pending_late and sku not in self.unmapped]

    def sku(self) -> str:
        skus = self.skus
        hot = skus[: max(3, len(skus) // 10)]  # operators keep touching a few SKUs: contention on their levels
        return self.rng.choice(hot if self.rng.random() < 0.3 else skus)

    def location(self) -> str:
        return self.rng.choice(self.merchant.locations)

    def operation_id(self, kind: str) -> str:
        self.operations += 1
        return f"chaos-{kind}-{self.operations}"

    # Each action returns itself and how many webhooks Shopify sends for it (subscribed topics only).

    def place_order(self, including: str | None = None) -> tuple[Action, int]:
        skus = self.rng.sample(self.skus, self.rng.choice([1, 1, 2, 2, 3]))
        if including is not None:
            skus = [including, *skus[1:]]
        lines = tuple(OrderLine(sku, self.rng.randint(1, 3)) for sku in skus)
        location = self.location() if self.rng.random() < 0.5 else None
        self.orders.append(_OrderState(list(lines), [0] * len(lines), [0] * len(lines)))
        # orders/create, and inventory_levels/update for each line's available.
        return PlaceOrder(len(self.orders) - 1, location, lines), 1 + len(lines)

    def _recent(self, eligible: list[int]) -> int | None:
        # Mostly recent orders, so an order's webhooks share a phase's reordering.
        return self.rng.choice(eligible[-30:]) if eligible else None

    def fulfil(self) -> tuple[Action, int] | None:
        open_orders = [n for n, o in enumerate(self.orders) if any(o.open_units(i) for i in range(len(o.lines)))]
        number = self._recent(open_orders)
        if number is None:
            return None
        order = self.orders[number]
        lines = []
        for index in range(len(order.lines)):
            if order.open_units(index) and self.rng.random() < 0.7:
                units = self.rng.randint(1, order.open_units(index))
                order.fulfilled[index] += units
                lines.append((index, units))
        return (Fulfil(number, tuple(lines)), 0) if lines else None  # fulfilments' topics are not subscribed

    def cancel(self) -> tuple[Action, int] | None:
        number = self._recent([n for n, o in enumerate(self.orders) if not o.cancelled])
        if number is None:
            return None
        order = self.orders[number]
        open_lines = sum(1 for index in range(len(order.lines)) if order.open_units(index))
        order.cancelled = True
        # orders/cancelled; with open units also Shopify's refunds/create and one level update per line.
        return Cancel(number), 1 + (1 + open_lines if open_lines else 0)

    def refund(self) -> tuple[Action, int] | None:
        shipped = [n for n, o in enumerate(self.orders) if any(o.returnable(i) for i in range(len(o.lines)))]
        number = self._recent(shipped)
        if number is None:
            return None
        order = self.orders[number]
        candidates = [index for index in range(len(order.lines)) if order.returnable(index)]
        lines = []
        for index in self.rng.sample(candidates, self.rng.randint(1, len(candidates))):
            units = self.rng.randint(1, order.returnable(index))
            order.returned[index] += units
            kind = "return"
            if not order.open_units(index):
                kind = self.rng.choice(["return", "return", "legacy_restock", "no_restock"])
            moved = kind != "no_restock" and self.rng.random() < 0.3
            lines.append(RefundLine(index, units, kind, self.location() if moved else None))
        self.refunds += 1
        restocking = sum(1 for line in lines if line.restock_type != "no_restock")
        return Refund(number, self.refunds - 1, tuple(lines)), 1 + restocking

    def transfer(self) -> tuple[Action, int]:
        source, target = self.rng.sample(self.merchant.locations, 2)
        return Transfer(self.operation_id("transfer"), self.sku(), source, target, self.rng.randint(1, 4)), 0

    def count(self) -> Count:
        return Count(self.operation_id("count"), self.location(), self.sku(), self.rng.randint(0, 25))

    def admin_edit(self) -> tuple[Action, int]:
        return AdminEdit(self.location(), self.sku(), self.rng.randint(0, 30)), 1

    def lost_ack(self) -> LostAck:
        return LostAck(self.operation_id("lost-ack"), self.location(), self.sku(), self.rng.randint(1, 5))

    def add_sku(self) -> tuple[list[Action], int, str] | None:
        """AddSku, then orders that sell it before the ledger maps it (their webhooks are parked). A
        shared late SKU (Merchant.shared_skus) is a second variant of a mapped SKU: the runner orders it
        by inventory item, so its orders name its variant and the reference keeps it a level apart."""
        if not self.pending_late:
            return None
        sku = self.pending_late[0]
        actions: list[Action] = [AddSku(sku)]
        self.unmapped.add(self.pending_late.pop(0))  # Shopify sells it from now on; the ledger maps it later
        webhooks = 0
        for _ in range(self.rng.randint(1, 3)):
            order, sent = self.place_order(including=sku)
            actions.append(order)
            webhooks += sent
        return actions, webhooks, sku

    def action(self) -> tuple[Action, int]:
        kinds = [self.place_order, self.fulfil, self.cancel, self.refund, self.transfer, self.admin_edit]
        chosen = self.rng.choices(kinds, weights=[45, 17, 8, 14, 10, 6])[0]
        return chosen() or self.place_order()

    # -- faults -------------------------------------------------------------------------------------

    def faults(self, kinds: set[FaultKind], pushed_levels: list[tuple[str, str]]) -> Faults:
        rng = self.rng
        release = None
        if FaultKind.SHUFFLE in kinds:
            release = Release.SHUFFLED
        elif FaultKind.REVERSE in kinds:
            release = Release.NEWEST_FIRST
        errors = []
        if FaultKind.SHOPIFY_5XX in kinds:
            # Not 503 beside a phase-long outage: the faults left are counted per status.
            statuses = [500, 502] if FaultKind.SHOPIFY_UNAVAILABLE in kinds else [500, 502, 503]
            errors.append(ShopifyError(rng.choice(statuses), rng.randint(1, 3)))
        if FaultKind.SHOPIFY_UNAVAILABLE in kinds:
            errors.append(ShopifyError(UNAVAILABLE_STATUS, UNAVAILABLE_CALLS))
        if FaultKind.SHOPIFY_429 in kinds:
            errors.append(ShopifyError(429, rng.randint(1, 2), round(rng.uniform(0.2, 0.5), 2)))
        if FaultKind.SHOPIFY_DOWN in kinds:
            errors.append(ShopifyError(DOWN_STATUS, 1000))  # every call of the phase
        stale: tuple[StaleLevel, ...] = ()
        if FaultKind.STALE in kinds and pushed_levels:
            chosen = rng.sample(pushed_levels, min(len(pushed_levels), rng.randint(1, 2)))
            stale = tuple(StaleLevel(location, sku, rng.randint(1, 2)) for location, sku in chosen)
        return Faults(
            duplicate=rng.choice([1, 1, 2]) if FaultKind.DUPLICATE in kinds else 0,
            delay_s=round(rng.uniform(0.1, 0.5), 2) if FaultKind.DELAY in kinds else 0.0,
            release=release,
            shuffle_seed=rng.randrange(2**31),
            shopify_errors=tuple(errors),
            throttle=Throttle(30, rng.choice([10, 20])) if FaultKind.THROTTLE in kinds else None,
            stale=stale,
            kills=tuple(
                Kill(function, rng.randint(1, 2), None if function == "webhook_ingress" else rng.choice([None, 1, 3]))
                for kind, function in KILLED_FUNCTIONS.items()
                if kind in kinds
            ),
            across_heal=FaultKind.LATE_ACROSS_HEAL in kinds,
        )

    def phase(self, number: int, kinds: set[FaultKind], target: int) -> Phase:
        counts = tuple(self.count() for _ in range(self.rng.choice([0, 0, 1, 2]))) if number else ()
        lost_acks = tuple(self.lost_ack() for _ in range(self.rng.randint(1, 2))) if FaultKind.LOST_ACK in kinds else ()
        actions: list[Action] = []
        if kinds & PUSH_FAULTS and not counts:
            actions.append(self.transfer()[0])  # something to push while Shopify misbehaves
        estimate = 0
        added = self.add_sku() if FaultKind.REMAP in kinds else None
        if added is not None:
            actions += added[0]
            estimate += added[1]
        while estimate < target:
            action, webhooks = self.action()
            actions.append(action)
            estimate += webhooks
        if added is not None:
            actions.append(MapSku(added[2]))
            self.unmapped.discard(added[2])
        pushed = [(c.location, c.sku) for c in counts]
        pushed += [(a.source, a.sku) for a in actions if isinstance(a, Transfer)]
        pushed += [(a.target, a.sku) for a in actions if isinstance(a, Transfer)]
        shared = added is not None and added[2] in self.merchant.shared_skus
        faults = replace(self.faults(kinds, pushed), lost_acks=bool(lost_acks), remap=added is not None,
                         shared_sku=shared)  # fmt: skip
        return Phase(number, faults, counts, tuple(actions), estimate * (1 + faults.duplicate), lost_acks)


def _openings(rng: random.Random, locations: tuple[str, ...], skus: tuple[str, ...]) -> dict[tuple[str, str], int]:
    openings = {}
    for location in locations:
        for sku in skus:
            low, high = (10, 40) if location == PRIMARY else (0, 12)
            openings[(location, sku)] = 0 if rng.random() < 0.05 else rng.randint(low, high)
    return openings


def _fault_kinds_by_phase(rng: random.Random, phases: int, extra: float) -> list[set[FaultKind]]:
    """Every kind in some phase (a plan of MIN_PHASES covers them all), then more at random."""
    kinds = [kind for kind in FaultKind if kind not in _NOT_SPREAD]
    rng.shuffle(kinds)
    by_phase: list[set[FaultKind]] = [set() for _ in range(phases)]
    for index, kind in enumerate(kinds):
        phase = index % phases
        while _EXCLUSIVE.get(kind, set()) & by_phase[phase]:  # held deliveries are released one way, ...
            phase = (phase + 1) % phases
        by_phase[phase].add(kind)
    for chosen in by_phase:
        for kind in FaultKind:
            if kind not in _NOT_SPREAD and rng.random() < extra and not _EXCLUSIVE.get(kind, set()) & chosen:
                chosen.add(kind)
    by_phase[-1].add(FaultKind.LATE_ACROSS_HEAL)
    return by_phase


def generate(seed: int, *, webhooks: int, skus: int, locations: int) -> Plan:
    """The plan for this seed: at least ``webhooks`` deliveries of Shopify's own events."""
    if locations < 2 or skus < 3:
        raise ValueError("a chaos merchant needs at least 2 locations and 3 SKUs")
    rng = random.Random(seed)
    phase_count = max(MIN_PHASES, math.ceil(webhooks / WEBHOOKS_PER_PHASE))
    kinds_by_phase = _fault_kinds_by_phase(rng, phase_count, extra=0.2)
    location_names = (PRIMARY, *(f"Store {n}" for n in range(1, locations)))
    # One late SKU per phase that maps one; the first phase trades none (the onboarding imports the rest).
    if FaultKind.REMAP in kinds_by_phase[0]:
        kinds_by_phase[0].discard(FaultKind.REMAP)
        kinds_by_phase[1].add(FaultKind.REMAP)
    late = sum(1 for kinds in kinds_by_phase if FaultKind.REMAP in kinds)
    sku_names = tuple(f"SKU-{n:03d}" for n in range(1, skus + late + 1))
    # Drawn without the seed's generator, so a seed's plan is the same with or without shared SKUs.
    shared = {sku: sku_names[index % skus] for index, sku in enumerate(sku_names[skus:]) if index % 2 == 0}
    merchant = Merchant(location_names, sku_names, _openings(rng, location_names, sku_names), sku_names[skus:], shared)
    target = math.ceil(webhooks / phase_count)
    generator = _Generator(rng, merchant)
    phases = []
    # Each phase's share counts Shopify's events once: duplicate copies only add to the deliveries.
    for number, kinds in enumerate(kinds_by_phase):
        phases.append(generator.phase(number, kinds, target))
    return Plan(seed, webhooks, merchant, tuple(phases))
