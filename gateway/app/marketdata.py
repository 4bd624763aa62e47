"""Market data over FIX 4.4: MarketDataRequest (V) in; W, X, Y and h out.

Role: answer MarketDataRequests from the venue's read views (snapshots, W), keep
subscriptions and turn each batch of venue events into MarketDataIncrementalRefresh (X) or,
for subscriptions asking for full refreshes (265=0), fresh snapshots; reject what is not
supported (Y); announce phase changes as TradingSessionStatus (h). Pure: no I/O, no clock,
no logging; the router calls it synchronously and sends what it returns, as
``(session_id, msg_type, body)`` with ``body`` the encoded application fields.

Invariants:
- Book entries are price-keyed and aggregated (displayed quantity per level). A
  subscription remembers, per symbol, exactly the levels and statistics it last sent and
  after each batch sends the difference: delete (279=2) for a level or statistic that left
  its view, change (279=1) for one whose value changed, new (279=0) for one that entered.
  A top-N subscription re-reads the top N levels (``Engine.depth``) and diffs; a full-book
  one (264=0) applies the batch's BookChanged events to its copy, so its cost follows the
  levels touched, not the book's size. Applying the X stream to the first W reproduces
  the engine's book (top N) after every batch. MDEntryPositionNo (290) is sent in
  snapshots only: increments are keyed by price.
- Trades are sent as 269=2 entries with 279=0, one per venue Trade event.
- Only symbols named by BookChanged, Trade, PhaseChanged or AuctionResult events and
  subscribed by someone are recomputed; with no subscription ``on_events`` returns at once.
  The engine must run with ``md_events=True`` (the default) for book updates to flow.
- MDReqIDs are per session; a live subscription's id cannot be reused until unsubscribed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, localcontext
from fractions import Fraction

from fixspec.codec import FixMessage, encode_field
from fixspec.dictionary import MESSAGES, GroupDef
from fixspec.enums import MDReqRejReason as R
from fixspec.enums import MsgType, TradSesStatus
from venue.engine import Engine
from venue.events import AuctionResult, BookChanged, Event, PhaseChanged, Trade
from venue.instruments import Instrument
from venue.types import Phase, Side

__all__ = ["MarketDataHub", "Outgoing", "format_price", "read_group"]

Outgoing = tuple[str, str, bytes]

_W = str(MsgType.MARKET_DATA_SNAPSHOT_FULL_REFRESH)
_X = str(MsgType.MARKET_DATA_INCREMENTAL_REFRESH)
_Y = str(MsgType.MARKET_DATA_REQUEST_REJECT)
_H = str(MsgType.TRADING_SESSION_STATUS)

_BID, _OFFER, _TRADE = "0", "1", "2"
#: Statistics entry types (opening, closing, high, low, VWAP, volume), in sending order.
_STATS = ("4", "5", "7", "8", "9", "B")
_SUPPORTED = frozenset((_BID, _OFFER, _TRADE, *_STATS))
_NEW, _CHANGE, _DELETE = b"0", b"1", b"2"
#: Depth asked of the engine for a full-book (264=0) view.
_FULL = 1 << 62

#: Events naming a symbol whose market data may have changed.
_MD_EVENTS = (BookChanged, Trade, AuctionResult, PhaseChanged)

_V = MESSAGES["V"]
_ENTRY_TYPES_GROUP = _V.groups[267]
_RELATED_SYM_GROUP = _V.groups[146]

_SESSION_STATUS: dict[Phase, TradSesStatus] = {
    Phase.CLOSED: TradSesStatus.CLOSED,
    Phase.PRE_OPEN: TradSesStatus.PRE_OPEN,
    Phase.OPENING_AUCTION: TradSesStatus.PRE_OPEN,
    Phase.CONTINUOUS: TradSesStatus.OPEN,
    Phase.HALTED: TradSesStatus.HALTED,
    Phase.REOPENING_AUCTION: TradSesStatus.PRE_OPEN,
    Phase.CLOSING_AUCTION: TradSesStatus.PRE_CLOSE,
}

Levels = dict[int, tuple[int, int]]  # price (ticks) -> (displayed qty, number of orders)
LevelChanges = dict[tuple[bool, int], tuple[int, int]]  # (is bid, price) -> (qty, orders)


def read_group(msg: FixMessage, group: GroupDef) -> list[dict[int, bytes]]:
    """The entries of the first occurrence of ``group`` in ``msg`` (first value per tag),
    walking nested groups by the dictionary's definition. The count is not checked."""
    pairs = msg.pairs
    for i, (tag, _) in enumerate(pairs):
        if tag == group.count_tag:
            return _walk(pairs, i + 1, group)[0]
    return []


def _walk(
    pairs: list[tuple[int, bytes]], i: int, g: GroupDef
) -> tuple[list[dict[int, bytes]], int]:
    entries: list[dict[int, bytes]] = []
    n = len(pairs)
    while i < n:
        tag, value = pairs[i]
        if tag not in g.position or (tag != g.delimiter and not entries):
            break
        if tag == g.delimiter:
            entries.append({})
        entries[-1].setdefault(tag, value)
        i += 1
        sub = g.groups.get(tag)
        if sub is not None:
            i = _walk(pairs, i, sub)[1]
    return entries, i


def format_price(inst: Instrument, ticks: int) -> str:
    """An exact decimal price string (fixed point, never an exponent) for ``ticks``."""
    return format(inst.ticks_to_price(ticks), "f")


@dataclass(slots=True)
class _View:
    """What one subscription shows of one symbol: book levels and statistics."""

    bids: Levels = field(default_factory=dict)
    asks: Levels = field(default_factory=dict)
    stats: dict[str, tuple[int, str]] = field(default_factory=dict)  # type -> (tag, value)


@dataclass(slots=True)
class _Sub:
    session_id: str
    req_id: str
    symbols: tuple[str, ...]
    depth: int  # 0 = full book
    types: frozenset[str]
    incremental: bool
    views: dict[str, _View] = field(default_factory=dict)


class _Reject(Exception):
    def __init__(self, reason: R | None, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


class MarketDataHub:
    """Snapshots, subscriptions and their incremental refreshes over one venue engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._subs: dict[str, dict[str, _Sub]] = {}  # session -> MDReqID -> subscription
        self._by_symbol: dict[str, dict[tuple[str, str], _Sub]] = {}

    # -- requests ------------------------------------------------------------------------

    def on_request(self, session_id: str, msg: FixMessage, now: datetime) -> list[Outgoing]:
        """Answer a MarketDataRequest (V): snapshots (W), a subscription, or a reject (Y)."""
        req_id = msg.get_str(262) or ""
        try:
            return self._request(session_id, req_id, msg)
        except _Reject as r:
            fields = [encode_field(262, req_id or "?")]
            if r.reason is not None:
                fields.append(encode_field(281, str(r.reason)))
            fields.append(encode_field(58, r.text))
            return [(session_id, _Y, b"".join(fields))]

    def _request(self, session_id: str, req_id: str, msg: FixMessage) -> list[Outgoing]:
        live = self._subs.get(session_id, {})
        kind = msg.get(263)
        if kind == b"2":
            sub = live.get(req_id)
            if sub is None:
                raise _Reject(None, f"unknown MDReqID {req_id!r}")
            self._drop(sub)
            return []
        if kind not in (b"0", b"1"):
            text = f"unsupported SubscriptionRequestType {_show(kind)}"
            raise _Reject(R.UNSUPPORTED_SUBSCRIPTION_REQUEST_TYPE, text)
        if not req_id:
            raise _Reject(None, "MDReqID missing")
        if req_id in live:
            raise _Reject(R.DUPLICATE_MD_REQ_ID, f"duplicate MDReqID {req_id!r}")
        depth = msg.get_int(264)
        if depth is None:
            raise _Reject(
                R.UNSUPPORTED_MARKET_DEPTH, f"unsupported MarketDepth {_show(msg.get(264))}"
            )
        update = msg.get(265)
        if kind == b"1" and update not in (None, b"0", b"1"):
            raise _Reject(R.UNSUPPORTED_MD_UPDATE_TYPE, f"unsupported MDUpdateType {_show(update)}")
        if msg.get(266) == b"N":
            raise _Reject(R.UNSUPPORTED_AGGREGATED_BOOK, "only the aggregated book is offered")
        types = [e.get(269, b"").decode("latin-1") for e in read_group(msg, _ENTRY_TYPES_GROUP)]
        bad = [t for t in types if t not in _SUPPORTED]
        if not types or bad:
            raise _Reject(
                R.UNSUPPORTED_MD_ENTRY_TYPE,
                f"unsupported MDEntryType {bad[0]!r}" if bad else "no MDEntryType requested",
            )
        symbols = tuple(
            dict.fromkeys(
                e.get(55, b"").decode("latin-1") for e in read_group(msg, _RELATED_SYM_GROUP)
            )
        )
        if not symbols:
            raise _Reject(R.UNKNOWN_SYMBOL, "no Symbol requested")
        known = self._engine.symbols
        for s in symbols:
            if s not in known:
                raise _Reject(R.UNKNOWN_SYMBOL, f"unknown symbol {s!r}")
        sub = _Sub(session_id, req_id, symbols, depth, frozenset(types), update != b"0")
        out: list[Outgoing] = []
        for s in symbols:
            view = self._view(sub, s)
            out.append((session_id, _W, self._snapshot(sub, s, view)))
            sub.views[s] = view
        if kind == b"1":
            self._subs.setdefault(session_id, {})[req_id] = sub
            for s in symbols:
                self._by_symbol.setdefault(s, {})[(session_id, req_id)] = sub
        return out

    def on_disconnect(self, session_id: str) -> None:
        """Forget every subscription of ``session_id``."""
        for sub in list(self._subs.get(session_id, {}).values()):
            self._drop(sub)

    def _drop(self, sub: _Sub) -> None:
        live = self._subs[sub.session_id]
        del live[sub.req_id]
        if not live:
            del self._subs[sub.session_id]
        key = (sub.session_id, sub.req_id)
        for s in sub.symbols:
            subs = self._by_symbol[s]
            del subs[key]
            if not subs:
                del self._by_symbol[s]

    # -- events --------------------------------------------------------------------------

    def on_events(self, events: Sequence[Event], now: datetime) -> list[Outgoing]:
        """Turn one engine command's events into updates for the subscribers."""
        by_symbol = self._by_symbol
        if not by_symbol:
            return []
        out: list[Outgoing] = []
        touched: dict[str, list[Trade]] = {}
        changed: dict[str, LevelChanges] = {}
        auctions: set[str] = set()
        for e in events:
            if isinstance(e, _MD_EVENTS) and e.symbol in by_symbol:
                trades = touched.setdefault(e.symbol, [])
                if isinstance(e, BookChanged):
                    levels = changed.setdefault(e.symbol, {})
                    levels[(e.side is Side.BUY, e.price)] = (e.qty, e.orders)
                elif isinstance(e, Trade):
                    trades.append(e)
                elif isinstance(e, PhaseChanged):
                    out.extend(self._session_status(e))
                else:
                    auctions.add(e.symbol)
        if not touched:
            return out
        pending: dict[tuple[str, str], list[bytes]] = {}
        depths: dict[tuple[str, int], tuple[Levels, Levels]] = {}
        for symbol, trades in touched.items():
            inst = self._engine.instrument(symbol)
            levels = changed.get(symbol, {})
            # An uncross fills many levels at one price, and the BookChanged events of an
            # uncross name that price rather than each level's: re-read the book after one.
            resync = symbol in auctions
            stats: dict[str, tuple[int, str]] | None = None
            for key, sub in by_symbol[symbol].items():
                view, types = sub.views[symbol], sub.types
                entries: list[bytes] = []
                if (levels or resync) and (_BID in types or _OFFER in types):
                    if not sub.depth and not resync:
                        entries += _apply_levels(inst, symbol, view, levels, types)
                    elif resync or _reaches_top(view, levels, sub.depth, types):
                        bids, asks = self._book(symbol, sub.depth, depths)
                        if not sub.depth:  # a full-book view is updated in place later
                            bids, asks = dict(bids), dict(asks)
                        if _BID in types:
                            entries += _level_diff(inst, symbol, _BID, view.bids, bids)
                            view.bids = bids
                        if _OFFER in types:
                            entries += _level_diff(inst, symbol, _OFFER, view.asks, asks)
                            view.asks = asks
                if not types.isdisjoint(_STATS):
                    if stats is None:
                        stats = self._stats(symbol)
                    new = {t: v for t, v in stats.items() if t in types}
                    entries += _stats_diff(symbol, view.stats, new)
                    view.stats = new
                if _TRADE in types:
                    entries += [_trade_entry(inst, symbol, tr) for tr in trades]
                if not entries:
                    continue
                if sub.incremental:
                    pending.setdefault(key, []).extend(entries)
                else:
                    out.append((sub.session_id, _W, self._snapshot(sub, symbol, view)))
        for (session_id, req_id), entries in pending.items():
            head = encode_field(262, req_id) + encode_field(268, len(entries))
            out.append((session_id, _X, head + b"".join(entries)))
        return out

    def _session_status(self, e: PhaseChanged) -> list[Outgoing]:
        status = _SESSION_STATUS[e.new]
        body = (
            encode_field(336, e.symbol)
            + encode_field(625, e.new.value)
            + encode_field(325, "Y")
            + encode_field(340, int(status))
            + encode_field(58, f"{e.symbol} {e.old.value} -> {e.new.value}")
        )
        sessions = dict.fromkeys(sid for sid, _ in self._by_symbol[e.symbol])
        return [(sid, _H, body) for sid in sessions]

    # -- views and encoding --------------------------------------------------------------

    def _view(self, sub: _Sub, symbol: str) -> _View:
        """A fresh view of ``symbol`` as ``sub`` sees it now (its own dicts)."""
        view = _View()
        types = sub.types
        if _BID in types or _OFFER in types:
            bids, asks = self._book(symbol, sub.depth, {})
            view.bids = bids if _BID in types else {}
            view.asks = asks if _OFFER in types else {}
        if not types.isdisjoint(_STATS):
            view.stats = {t: v for t, v in self._stats(symbol).items() if t in types}
        return view

    def _book(
        self, symbol: str, depth: int, cache: dict[tuple[str, int], tuple[Levels, Levels]]
    ) -> tuple[Levels, Levels]:
        """The top ``depth`` levels a side (0: all), read once per batch through ``cache``.
        The dicts may be shared between subscriptions: never mutate them."""
        key = (symbol, depth)
        book = cache.get(key)
        if book is None:
            d = self._engine.depth(symbol, depth or _FULL)
            book = cache[key] = (
                {lv.price: (lv.qty, lv.orders) for lv in d.bids},
                {lv.price: (lv.qty, lv.orders) for lv in d.asks},
            )
        return book

    def _stats(self, symbol: str) -> dict[str, tuple[int, str]]:
        """Every statistics entry of ``symbol`` that has a value: type -> (tag, value)."""
        inst = self._engine.instrument(symbol)
        st = self._engine.stats(symbol)
        out: dict[str, tuple[int, str]] = {}
        for t, p in (("4", st.open), ("5", st.close), ("7", st.high), ("8", st.low)):
            if p is not None:
                out[t] = (270, format_price(inst, p))
        vwap = st.vwap
        if vwap is not None:
            out["9"] = (270, _vwap_price(inst, vwap))
        out["B"] = (271, str(st.volume))
        return out

    def _snapshot(self, sub: _Sub, symbol: str, view: _View) -> bytes:
        inst = self._engine.instrument(symbol)
        entries: list[bytes] = []
        for typ, levels in ((_BID, view.bids), (_OFFER, view.asks)):
            for pos, (px, (qty, orders)) in enumerate(levels.items(), 1):
                entries.append(
                    encode_field(269, typ)
                    + encode_field(270, format_price(inst, px))
                    + encode_field(271, qty)
                    + encode_field(346, orders)
                    + encode_field(290, pos)
                )
        if _TRADE in sub.types:
            st = self._engine.stats(symbol)
            if st.last_price is not None:
                entries.append(
                    encode_field(269, _TRADE)
                    + encode_field(270, format_price(inst, st.last_price))
                    + encode_field(271, st.last_qty)
                )
        for typ, (tag, value) in view.stats.items():
            entries.append(encode_field(269, typ) + encode_field(tag, value))
        return (
            encode_field(262, sub.req_id)
            + encode_field(55, symbol)
            + encode_field(268, len(entries))
            + b"".join(entries)
        )


def _level_entry(
    inst: Instrument, sym: bytes, typ: str, px: int, new: tuple[int, int] | None, action: bytes
) -> bytes:
    head = encode_field(279, action) + encode_field(269, typ) + sym
    head += encode_field(270, format_price(inst, px))
    if new is None:
        return head
    return head + encode_field(271, new[0]) + encode_field(346, new[1])


def _level_diff(
    inst: Instrument, symbol: str, typ: str, before: Levels, after: Levels
) -> list[bytes]:
    """Entries turning the levels ``before`` into ``after`` (deletes first)."""
    if before == after:
        return []
    sym = encode_field(55, symbol)
    out = [_level_entry(inst, sym, typ, px, None, _DELETE) for px in before if px not in after]
    for px, level in after.items():
        prev = before.get(px)
        if prev != level:
            out.append(_level_entry(inst, sym, typ, px, level, _NEW if prev is None else _CHANGE))
    return out


def _reaches_top(view: _View, levels: LevelChanges, depth: int, types: frozenset[str]) -> bool:
    """Can the batch's level changes alter a top-``depth`` view? Not when every changed
    level of a shown side is worse than a full view's last level."""
    for is_bid, px in levels:
        if (_BID if is_bid else _OFFER) not in types:
            continue
        shown = view.bids if is_bid else view.asks
        if len(shown) < depth:
            return True
        worst = next(reversed(shown))
        if px >= worst if is_bid else px <= worst:
            return True
    return False


def _apply_levels(
    inst: Instrument, symbol: str, view: _View, levels: LevelChanges, types: frozenset[str]
) -> list[bytes]:
    """Apply the batch's level changes to a full-book view in place; return the entries."""
    sym = encode_field(55, symbol)
    out: list[bytes] = []
    for (is_bid, px), (qty, orders) in levels.items():
        typ = _BID if is_bid else _OFFER
        if typ not in types:
            continue
        side = view.bids if is_bid else view.asks
        prev = side.get(px)
        if qty == 0:
            if prev is not None:
                del side[px]
                out.append(_level_entry(inst, sym, typ, px, None, _DELETE))
        elif prev != (qty, orders):
            side[px] = (qty, orders)
            action = _NEW if prev is None else _CHANGE
            out.append(_level_entry(inst, sym, typ, px, (qty, orders), action))
    return out


def _stats_diff(
    symbol: str, before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]
) -> list[bytes]:
    if before == after:
        return []
    out: list[bytes] = []
    sym = encode_field(55, symbol)
    for typ in _STATS:
        prev, cur = before.get(typ), after.get(typ)
        if prev == cur:
            continue
        head = encode_field(269, typ) + sym
        if cur is None:
            out.append(encode_field(279, _DELETE) + head)
        else:
            out.append(
                encode_field(279, _NEW if prev is None else _CHANGE) + head + encode_field(*cur)
            )
    return out


def _trade_entry(inst: Instrument, symbol: str, tr: Trade) -> bytes:
    return (
        encode_field(279, _NEW)
        + encode_field(269, _TRADE)
        + encode_field(55, symbol)
        + encode_field(270, format_price(inst, tr.price))
        + encode_field(271, tr.qty)
    )


def _vwap_price(inst: Instrument, vwap: Fraction) -> str:
    """A VWAP in ticks as a price, rounded half-even to four decimals below the tick."""
    exp = inst.tick_size.as_tuple().exponent
    places = (exp if isinstance(exp, int) else 0) - 4
    with localcontext() as ctx:
        ctx.prec = 40
        px = Decimal(vwap.numerator) * inst.tick_size / vwap.denominator
        return format(px.quantize(Decimal(1).scaleb(places)), "f")


def _show(value: bytes | None) -> str:
    return "(missing)" if value is None else repr(value.decode("latin-1"))
