"""Recovery: snapshot the engine and rebuild it without replaying history.

Role: the gateway persists orders and counters; after a crash it rebuilds an engine with
`restore_order` (each live order with its original id, priority, quantities and reserve),
`restore_market` and `restore_counters`, or in one go with `restore(snapshot)`.

Invariants: restoring emits no events and matches nothing; a restored engine produces the
same events for the same later commands as the engine that was snapshotted (priorities,
ids, trade ids and the event sequence continue where they stopped).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from venue.book import Order
from venue.events import OrderInfo
from venue.native import mypyc_attr
from venue.phases import PhaseMixin
from venue.types import OrderStatus, OrdType, Phase

_RESTING = (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderState:
    info: OrderInfo
    leaves_qty: int
    cum_qty: int
    notional: int
    #: Time priority within a price level (smaller = earlier). Persist it as is.
    priority: int
    #: Displayed quantity of an iceberg (None: min(max_floor, leaves)).
    display_qty: int | None = None
    status: OrderStatus = OrderStatus.NEW
    #: A stop order that has triggered and now rests as a limit order.
    triggered: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MarketState:
    symbol: str
    phase: Phase
    last_price: int | None = None
    last_qty: int = 0
    volume: int = 0
    notional: int = 0
    trades: int = 0
    open: int | None = None
    high: int | None = None
    low: int | None = None
    close: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Counters:
    next_order_id: int
    next_event_seq: int
    next_trade_id: int
    next_priority: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    counters: Counters
    markets: tuple[MarketState, ...]
    orders: tuple[OrderState, ...]


@mypyc_attr(allow_interpreted_subclasses=True)
class RecoveryMixin(PhaseMixin):
    def snapshot(self) -> Snapshot:
        orders = []
        for oid in sorted(self._live):
            o = self._live[oid]
            orders.append(
                OrderState(
                    info=o.info,
                    leaves_qty=o.leaves,
                    cum_qty=o.cum,
                    notional=o.notional,
                    priority=o.priority,
                    display_qty=o.display,
                    status=o.status,
                    triggered=o.info.ord_type in (OrdType.STOP, OrdType.STOP_LIMIT)
                    and o.status is not OrderStatus.PENDING_TRIGGER,
                )
            )
        markets = tuple(
            MarketState(
                symbol=s.symbol,
                phase=s.phase,
                last_price=s.stats.last_price,
                last_qty=s.stats.last_qty,
                volume=s.stats.volume,
                notional=s.stats.notional,
                trades=s.stats.trades,
                open=s.stats.open,
                high=s.stats.high,
                low=s.stats.low,
                close=s.stats.close,
            )
            for s in self._syms.values()
        )
        return Snapshot(counters=self.counters(), markets=markets, orders=tuple(orders))

    def counters(self) -> Counters:
        return Counters(
            next_order_id=self._next_id,
            next_event_seq=self._seq + 1,
            next_trade_id=self._next_trade,
            next_priority=self._prio + 1,
        )

    def restore(self, snap: Snapshot) -> None:
        """Rebuild from a snapshot into a freshly constructed engine."""
        for m in snap.markets:
            self.restore_market(m)
        for o in snap.orders:
            self.restore_order(o)
        c = snap.counters
        self.restore_counters(
            next_order_id=c.next_order_id,
            next_event_seq=c.next_event_seq,
            next_trade_id=c.next_trade_id,
            next_priority=c.next_priority,
        )

    def restore_counters(
        self,
        *,
        next_order_id: int,
        next_event_seq: int,
        next_trade_id: int,
        next_priority: int | None = None,
    ) -> None:
        self._next_id = next_order_id
        self._seq = next_event_seq - 1
        self._next_trade = next_trade_id
        if next_priority is not None:
            self._prio = next_priority - 1
        else:
            self._prio = max([self._prio, *(o.priority for o in self._live.values())])

    def restore_market(self, state: MarketState) -> None:
        sym = self._syms[state.symbol]
        sym.phase = state.phase
        st = sym.stats
        st.last_price, st.last_qty = state.last_price, state.last_qty
        st.volume, st.notional, st.trades = state.volume, state.notional, state.trades
        st.open, st.high, st.low, st.close = state.open, state.high, state.low, state.close
        sym.refresh_band()

    def restore_order(self, state: OrderState) -> None:
        """Place a live order exactly as it was: no matching, no events."""
        info = state.info
        sym = self._syms[info.symbol]
        if info.order_id in self._live:
            raise ValueError(f"order {info.order_id} already restored")
        if state.leaves_qty <= 0 or state.leaves_qty + state.cum_qty != info.qty:
            raise ValueError(f"order {info.order_id}: inconsistent quantities")
        o = Order(info, info.account if sym.stp_account else info.firm, state.priority)
        o.leaves, o.cum, o.notional = state.leaves_qty, state.cum_qty, state.notional
        mf = info.max_floor
        full = o.leaves if mf is None or mf > o.leaves else mf
        o.display = state.display_qty if state.display_qty is not None else full
        o.status = state.status
        if state.triggered:
            o.ord_type = OrdType.MARKET if info.ord_type is OrdType.STOP else OrdType.LIMIT
        self._live[o.id] = o
        if info.expire_at is not None:
            heapq.heappush(self._gtd, (info.expire_at, o.id))
        if o.status is OrderStatus.PENDING_TRIGGER:
            self._add_stop(sym, o)
        elif o.status is OrderStatus.PENDING_AUCTION:
            sym.pool[o.id] = o
        elif o.status in _RESTING:
            sym.book.insert_by_priority(o)
        else:
            raise ValueError(f"order {info.order_id}: status {o.status} is not live")
        self._next_id = max(self._next_id, o.id + 1)
        self._prio = max(self._prio, o.priority)
