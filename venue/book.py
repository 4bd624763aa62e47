"""The order book of one instrument: price levels of FIFO queues.

Role: storage only (no matching rules). Each side is a `SortedDict` from a price key to a
`Level` (asks keyed by price, bids by -price, so index 0 is always the best level); a level
is an intrusive doubly linked list of `Order`s in time priority (O(1) append, unlink and
head). `orders` indexes every resting order by id.

Invariants (`check_invariants`): outside the call phases the book is never crossed at
rest; a level's `qty` is the sum of its orders' displayed quantities and `hidden` the sum
of their reserves; `count` is its length; no level is empty; every resting order is in the
index and on the level of its price and side; priorities increase along a level; for each
order 0 < display <= leaves and leaves + cum == qty.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sortedcontainers import SortedDict  # type: ignore[import-untyped]

from venue.events import OrderInfo
from venue.shardmap import ShardedDict
from venue.types import OrderStatus, OrdType, Side, TimeInForce


class Order:
    """A live order (mutable, engine-private)."""

    __slots__ = (
        "id",
        "info",
        "side",
        "is_buy",
        "ord_type",
        "tif",
        "price",
        "stop_price",
        "qty",
        "leaves",
        "display",
        "max_floor",
        "cum",
        "notional",
        "priority",
        "stp_key",
        "status",
        "expire_at",
        "level",
        "prev",
        "next",
    )

    def __init__(self, info: OrderInfo, stp_key: str, priority: int) -> None:
        self.id = info.order_id
        self.info = info
        self.side = info.side
        self.is_buy = info.side is Side.BUY
        self.ord_type = info.ord_type
        self.tif = info.tif
        self.price = info.price
        self.stop_price = info.stop_price
        self.qty = info.qty
        self.leaves = info.qty
        mf = info.max_floor
        self.display = info.qty if mf is None or mf > info.qty else mf
        self.max_floor = mf
        self.cum = 0
        self.notional = 0
        self.priority = priority
        self.stp_key = stp_key
        self.status = OrderStatus.NEW
        self.expire_at: datetime | None = info.expire_at
        self.level: Level | None = None
        self.prev: Order | None = None
        self.next: Order | None = None

    def __repr__(self) -> str:
        return (
            f"Order(id={self.id}, {self.side.value} {self.leaves}/{self.qty} @ {self.price}, "
            f"display={self.display}, cum={self.cum}, prio={self.priority})"
        )


class OrderView:
    """A read-only view of an order (what `Engine.order` returns)."""

    __slots__ = ("_o",)

    def __init__(self, order: Order) -> None:
        self._o = order

    @property
    def info(self) -> OrderInfo:
        return self._o.info

    # Plain `property` methods: `name = property(lambda ...)` class attributes become
    # instance-attribute defaults when the class is compiled with mypyc.
    @property
    def order_id(self) -> int:
        return self._o.id

    @property
    def symbol(self) -> str:
        return self._o.info.symbol

    @property
    def side(self) -> Side:
        return self._o.side

    @property
    def ord_type(self) -> OrdType:
        return self._o.ord_type

    @property
    def tif(self) -> TimeInForce:
        return self._o.tif

    @property
    def qty(self) -> int:
        return self._o.qty

    @property
    def leaves_qty(self) -> int:
        return self._o.leaves

    @property
    def display_qty(self) -> int:
        return self._o.display

    @property
    def cum_qty(self) -> int:
        return self._o.cum

    @property
    def notional(self) -> int:
        return self._o.notional

    @property
    def price(self) -> int | None:
        return self._o.price

    @property
    def stop_price(self) -> int | None:
        return self._o.stop_price

    @property
    def status(self) -> OrderStatus:
        return self._o.status

    @property
    def priority(self) -> int:
        return self._o.priority

    @property
    def owner(self) -> str:
        return self._o.info.owner

    @property
    def firm(self) -> str:
        return self._o.info.firm

    @property
    def account(self) -> str:
        return self._o.info.account

    @property
    def client_ref(self) -> str:
        return self._o.info.client_ref


class Level:
    __slots__ = ("price", "qty", "hidden", "count", "head", "tail")

    def __init__(self, price: int) -> None:
        self.price = price
        self.qty = 0
        self.hidden = 0
        self.count = 0
        self.head: Order | None = None
        self.tail: Order | None = None

    def __iter__(self) -> Iterator[Order]:
        o = self.head
        while o is not None:
            yield o
            o = o.next


class Book:
    """Price levels of one instrument. Bids are keyed by -price, asks by price."""

    __slots__ = ("symbol", "bids", "asks", "orders")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: SortedDict = SortedDict()
        self.asks: SortedDict = SortedDict()
        self.orders: ShardedDict[int, Order] = ShardedDict()  # grows in small steps

    def side_map(self, side: Side) -> SortedDict:
        return self.bids if side is Side.BUY else self.asks

    def add(self, o: Order) -> None:
        """Append a resting order at the back of its level (the price must be set)."""
        price = o.price
        assert price is not None
        if o.is_buy:
            levels, key = self.bids, -price
        else:
            levels, key = self.asks, price
        lvl = levels.get(key)
        if lvl is None:
            lvl = levels[key] = Level(price)
        tail = lvl.tail
        o.prev = tail
        o.next = None
        if tail is None:
            lvl.head = o
        else:
            tail.next = o
        lvl.tail = o
        lvl.qty += o.display
        lvl.hidden += o.leaves - o.display
        lvl.count += 1
        o.level = lvl
        self.orders[o.id] = o

    def insert_by_priority(self, o: Order) -> None:
        """Place a restored order according to its priority (not only at the back)."""
        self.add(o)
        lvl = o.level
        assert lvl is not None
        while o.prev is not None and o.prev.priority > o.priority:
            p = o.prev
            # Swap o before p.
            pp = p.prev
            nx = o.next
            if pp is None:
                lvl.head = o
            else:
                pp.next = o
            o.prev = pp
            o.next = p
            p.prev = o
            p.next = nx
            if nx is None:
                lvl.tail = p
            else:
                nx.prev = p

    def merge_by_priority(self, orders: list[Order]) -> None:
        """Put resting orders (prices and displays set, sorted by priority) each at its
        place by priority in its level, not at the back: one pass over each level however
        many orders join it."""
        # (side, price) -> the first order of that level not known to be older than the
        # orders still to come (None: the end of the level).
        cursors: dict[tuple[bool, int], Order | None] = {}
        for o in orders:
            price = o.price
            assert price is not None
            if o.is_buy:
                levels, key = self.bids, -price
            else:
                levels, key = self.asks, price
            lvl = levels.get(key)
            if lvl is None:
                lvl = levels[key] = Level(price)
            ck = (o.is_buy, price)
            cur = cursors.get(ck, lvl.head)
            prio = o.priority
            while cur is not None and cur.priority < prio:
                cur = cur.next
            # Link `o` in before `cur` (at the back when `cur` is None).
            prv = lvl.tail if cur is None else cur.prev
            o.prev = prv
            o.next = cur
            if prv is None:
                lvl.head = o
            else:
                prv.next = o
            if cur is None:
                lvl.tail = o
            else:
                cur.prev = o
            cursors[ck] = cur
            lvl.qty += o.display
            lvl.hidden += o.leaves - o.display
            lvl.count += 1
            o.level = lvl
            self.orders[o.id] = o

    def remove(self, o: Order) -> None:
        """Unlink a resting order; drops its level when it empties."""
        lvl = o.level
        assert lvl is not None
        prv, nxt = o.prev, o.next
        if prv is None:
            lvl.head = nxt
        else:
            prv.next = nxt
        if nxt is None:
            lvl.tail = prv
        else:
            nxt.prev = prv
        lvl.qty -= o.display
        lvl.hidden -= o.leaves - o.display
        lvl.count -= 1
        o.level = o.prev = o.next = None
        del self.orders[o.id]
        if lvl.count == 0:
            if o.is_buy:
                del self.bids[-lvl.price]
            else:
                del self.asks[lvl.price]

    def move_to_back(self, o: Order) -> None:
        """Re-queue an order at the back of its level (iceberg refill)."""
        lvl = o.level
        assert lvl is not None
        if lvl.tail is o:
            return
        prv, nxt = o.prev, o.next
        if prv is None:
            lvl.head = nxt
        else:
            prv.next = nxt
        assert nxt is not None
        nxt.prev = prv
        tail = lvl.tail
        assert tail is not None
        tail.next = o
        o.prev = tail
        o.next = None
        lvl.tail = o

    def best_bid(self) -> Level | None:
        if not self.bids:
            return None
        lvl: Level = self.bids.peekitem(0)[1]
        return lvl

    def best_ask(self) -> Level | None:
        if not self.asks:
            return None
        lvl: Level = self.asks.peekitem(0)[1]
        return lvl

    def levels(self, side: Side) -> Iterator[Level]:
        """Levels of one side, best first."""
        return iter(self.side_map(side).values())

    def resting(self) -> Iterator[Order]:
        """All resting orders: bids best first, then asks best first, FIFO in a level."""
        for levels in (self.bids, self.asks):
            for lvl in levels.values():
                yield from lvl

    def is_crossed(self) -> bool:
        b, a = self.best_bid(), self.best_ask()
        return b is not None and a is not None and b.price >= a.price

    def check_invariants(self, allow_crossed: bool = False) -> None:
        if not allow_crossed:
            assert not self.is_crossed(), f"{self.symbol}: crossed book at rest"
        seen = 0
        for side, levels in ((Side.BUY, self.bids), (Side.SELL, self.asks)):
            for key, lvl_any in levels.items():
                lvl: Level = lvl_any
                assert key == (-lvl.price if side is Side.BUY else lvl.price)
                assert lvl.count > 0, "empty level"
                qty = hidden = n = 0
                prev: Order | None = None
                last_prio = -1
                for o in lvl:
                    assert o.prev is prev, "broken links"
                    assert o.level is lvl and o.price == lvl.price and o.side is side
                    assert self.orders.get(o.id) is o, "index mismatch"
                    assert o.priority > last_prio, "priority not increasing"
                    assert 0 < o.display <= o.leaves, f"bad display {o}"
                    assert o.leaves + o.cum == o.qty, f"leaves+cum != qty {o}"
                    assert o.ord_type in (OrdType.LIMIT, OrdType.STOP_LIMIT)
                    assert o.tif not in (TimeInForce.IOC, TimeInForce.FOK)
                    if o.max_floor is None:
                        assert o.display == o.leaves
                    else:
                        assert o.display <= o.max_floor
                    last_prio = o.priority
                    qty += o.display
                    hidden += o.leaves - o.display
                    n += 1
                    prev = o
                assert lvl.tail is prev
                assert (qty, hidden, n) == (lvl.qty, lvl.hidden, lvl.count), "level totals"
                seen += n
        assert seen == len(self.orders), "index holds orders not on the book"
