"""Auction uncross: one price, maximum volume.

Role: find the equilibrium price of a (possibly crossed) book and execute it. The price
maximises executable volume; ties go to the smallest imbalance, then to the price closest
to the reference (last trade, else the configured reference), then to the lower price.
Orders execute at that one price in price-time priority on both sides; iceberg reserve
takes part in full. Self-trade prevention does not apply in auctions.

Invariants: the uncross never executes more than min(buy volume, sell volume) at the
chosen price, and leaves the book uncrossed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from venue.book import Book, Order
from venue.events import AuctionResult

if TYPE_CHECKING:
    from venue.matching import Matcher, SymbolState


class Uncross(NamedTuple):
    price: int | None
    volume: int
    buy_qty: int
    sell_qty: int


def uncross_price(book: Book, reference: int | None) -> Uncross:
    """The auction price and volume for `book` (price None when nothing crosses)."""
    bids = [(lv.price, lv.qty + lv.hidden) for lv in book.bids.values()]  # high -> low
    asks = [(lv.price, lv.qty + lv.hidden) for lv in book.asks.values()]  # low -> high
    if not bids or not asks or bids[0][0] < asks[0][0]:
        return Uncross(None, 0, 0, 0)
    candidates = sorted(
        {p for p, _ in bids if p >= asks[0][0]} | {p for p, _ in asks if p <= bids[0][0]}
    )
    best: tuple[int, int, int, int] | None = None  # (-volume, imbalance, distance, price)
    result = Uncross(None, 0, 0, 0)
    for p in candidates:
        buy = sum(q for bp, q in bids if bp >= p)
        sell = sum(q for ap, q in asks if ap <= p)
        vol = min(buy, sell)
        dist = abs(p - reference) if reference is not None else 0
        key = (-vol, abs(buy - sell), dist, p)
        if vol and (best is None or key < best):
            best = key
            result = Uncross(p, vol, buy, sell)
    return result


def run_uncross(m: Matcher, sym: SymbolState) -> None:
    """Execute the uncross of `sym`'s book and emit AuctionResult then the trades."""
    book = sym.book
    u = uncross_price(book, sym.reference_price)
    m._seq += 1
    m._out.append(
        AuctionResult(m._seq, sym.symbol, sym.phase, u.price, u.volume, u.buy_qty, u.sell_qty)
    )
    if u.price is None:
        return
    px = u.price
    remaining = u.volume
    while remaining:
        b = book.best_bid()
        a = book.best_ask()
        assert b is not None and a is not None and b.price >= px >= a.price
        buy = b.head
        sell = a.head
        assert buy is not None and sell is not None
        q = min(remaining, buy.leaves, sell.leaves)
        maker, taker = (buy, sell) if buy.priority < sell.priority else (sell, buy)
        _fill_whole(m, sym, buy, q, px)
        _fill_whole(m, sym, sell, q, px)
        m._trade(sym, maker, taker, q, px, None)
        remaining -= q
    sym.refresh_band()


def _fill_whole(m: Matcher, sym: SymbolState, o: Order, q: int, px: int) -> None:
    """Fill `q` of a resting order, reaching into the iceberg reserve if needed."""
    while q:
        step = min(q, o.display)
        m._fill_resting(sym, o, step, px)
        q -= step
