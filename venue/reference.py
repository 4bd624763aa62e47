"""A deliberately naive matcher: the test oracle.

Role: restate the continuous-trading rules as plainly as possible (a flat list of resting
orders, sorted on every use) so that property tests can check `Engine` against it.
Covers limit, market (no band), IOC, FOK, icebergs, cancel, replace and self-trade
prevention by firm. Events are small tuples:
("accepted", id) ("rejected", reason) ("trade", maker, taker, price, qty, maker_leaves,
taker_leaves) ("cancelled", id, qty, reason) ("replaced", id, leaves, priority_lost)
("cancel_rejected", id, reason) ("replace_rejected", id, reason).

Invariants: none worth the name; it is meant to be obviously right, not fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from venue.types import CancelReason, RejectReason, Side, StpMode, TimeInForce

Ev = tuple[Any, ...]


@dataclass
class RefOrder:
    id: int
    side: Side
    price: int | None
    qty: int
    leaves: int
    display: int
    max_floor: int | None
    prio: int
    firm: str
    tif: TimeInForce
    cum: int = 0


class ReferenceBook:
    def __init__(self, stp_mode: StpMode = StpMode.OFF) -> None:
        self.stp = stp_mode
        self.resting: list[RefOrder] = []
        self.next_id = 1
        self.prio = 0

    def _tick(self) -> int:
        self.prio += 1
        return self.prio

    def queue(self, side: Side) -> list[RefOrder]:
        """Resting orders of `side`, best first, then by time."""
        sgn = -1 if side is Side.BUY else 1
        return sorted(
            (o for o in self.resting if o.side is side),
            key=lambda o: (sgn * (o.price or 0), o.prio),
        )

    def _crosses(self, o: RefOrder, limit: int | None, m: RefOrder) -> bool:
        assert m.price is not None
        return limit is None or (m.price <= limit if o.side is Side.BUY else m.price >= limit)

    def _fok_ok(self, o: RefOrder, limit: int | None) -> bool:
        kills = self.stp in (StpMode.CANCEL_AGGRESSOR, StpMode.CANCEL_BOTH)
        need = o.leaves
        reach = [m for m in self.queue(o.side.opposite) if self._crosses(o, limit, m)]
        prices: list[int | None] = []
        for m in reach:
            if m.price not in prices:
                prices.append(m.price)
        for p in prices:
            for m in (m for m in reach if m.price == p):
                if self.stp is not StpMode.OFF and m.firm == o.firm:
                    if kills:
                        return False
                    continue
                need -= m.leaves
            if need <= 0:
                return True
        return False

    def _run(self, o: RefOrder, limit: int | None, market: bool, out: list[Ev]) -> None:
        if o.tif is TimeInForce.FOK and not self._fok_ok(o, limit):
            out.append(("cancelled", o.id, o.leaves, CancelReason.IOC_REMAINDER))
            return
        while o.leaves:
            cands = [m for m in self.queue(o.side.opposite) if self._crosses(o, limit, m)]
            if not cands:
                break
            m = cands[0]
            if self.stp is not StpMode.OFF and m.firm == o.firm:
                if self.stp in (StpMode.CANCEL_RESTING, StpMode.CANCEL_BOTH):
                    self.resting.remove(m)
                    out.append(("cancelled", m.id, m.leaves, CancelReason.SELF_TRADE))
                if self.stp in (StpMode.CANCEL_AGGRESSOR, StpMode.CANCEL_BOTH):
                    out.append(("cancelled", o.id, o.leaves, CancelReason.SELF_TRADE))
                    return
                continue
            q = min(m.display, o.leaves)
            m.leaves -= q
            m.display -= q
            m.cum += q
            o.leaves -= q
            o.cum += q
            out.append(("trade", m.id, o.id, m.price, q, m.leaves, o.leaves))
            if m.leaves == 0:
                self.resting.remove(m)
            elif m.display == 0:
                assert m.max_floor is not None
                m.display = min(m.max_floor, m.leaves)
                m.prio = self._tick()
        if o.leaves:
            if market:
                out.append(("cancelled", o.id, o.leaves, CancelReason.MARKET_REMAINDER))
            elif o.tif in (TimeInForce.IOC, TimeInForce.FOK):
                out.append(("cancelled", o.id, o.leaves, CancelReason.IOC_REMAINDER))
            else:
                o.display = min(o.max_floor or o.leaves, o.leaves)
                self.resting.append(o)

    def new(
        self,
        side: Side,
        qty: int,
        price: int | None,
        tif: TimeInForce,
        firm: str,
        max_floor: int | None = None,
    ) -> list[Ev]:
        market = price is None
        if market and not any(m.side is side.opposite for m in self.resting):
            return [("rejected", RejectReason.NO_OPPOSITE_SIDE)]
        o = RefOrder(self.next_id, side, price, qty, qty, qty, max_floor, self._tick(), firm, tif)
        if tif is TimeInForce.FOK and not self._fok_ok(o, price):
            return [("rejected", RejectReason.FOK_NOT_FILLABLE)]
        self.next_id += 1
        out: list[Ev] = [("accepted", o.id)]
        self._run(o, price, market, out)
        return out

    def _find(self, order_id: int) -> RefOrder | RejectReason:
        for o in self.resting:
            if o.id == order_id:
                return o
        if 0 < order_id < self.next_id:
            return RejectReason.ORDER_ALREADY_DONE
        return RejectReason.UNKNOWN_ORDER

    def cancel(self, order_id: int) -> list[Ev]:
        o = self._find(order_id)
        if isinstance(o, RejectReason):
            return [("cancel_rejected", order_id, o)]
        self.resting.remove(o)
        return [("cancelled", o.id, o.leaves, CancelReason.USER)]

    def replace(self, order_id: int, qty: int, price: int) -> list[Ev]:
        o = self._find(order_id)
        if isinstance(o, RejectReason):
            return [("replace_rejected", order_id, o)]
        new_leaves = max(qty, o.cum) - o.cum
        if new_leaves == 0:
            self.resting.remove(o)
            return [("replaced", o.id, 0, False)]
        if price == o.price and new_leaves <= o.leaves:
            o.leaves = new_leaves
            o.display = min(o.display, new_leaves)
            return [("replaced", o.id, new_leaves, False)]
        self.resting.remove(o)
        o.price, o.leaves, o.prio = price, new_leaves, self._tick()
        out: list[Ev] = [("replaced", o.id, new_leaves, True)]
        self._run(o, price, False, out)
        return out

    def book(self, side: Side) -> list[tuple[int | None, int, int, int]]:
        return [(o.price, o.id, o.leaves, o.display) for o in self.queue(side)]
