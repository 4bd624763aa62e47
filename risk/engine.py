"""The pre-trade risk engine: hold before matching, release after.

Role: ``evaluate(cmd, now)`` decides whether a NewOrder may go to the venue (and bounds a
market order by the collar); ``check_replace`` does the same for a cancel/replace;
``admit_message`` is the per-session throttle; ``on_events`` feeds the venue's events to
the exposure (live and during the journal replay). Kill switch: ``kill``/``release`` per
firm or account. Pure: no I/O, no clock (``now`` is an argument), no logging, no metrics:
``counts()`` exposes plain integers for the metrics layer to read.

Invariants:
- per-order work is O(1): one dict lookup for the compiled limits of (firm, account,
  symbol), integer arithmetic, a few dict reads;
- a new order goes through the checks in ``NEW_ORDER_CHECKS`` order and stops at the first
  refusal, so "passed check k" = evaluated - refusals at k and before (see ``counts``);
- market orders become protective limit orders (see ``_protect``): a market order may only
  trade inside the collar around the reference price (last trade, else the instrument's
  reference), like CME's market-with-protection. The rest of it is cancelled (IOC), never
  rests. Without any reference price a market order is refused;
- the collar applies to limit prices (stop-limit: around its stop price); a stop-market
  order is not collared at entry (the venue's price band bounds it once triggered);
- the limits can be replaced at any time (``set_limits``); exposure is unaffected.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from risk.checks import MICRO, Reject, money, reject, to_units
from risk.exposure import BUY, KEY, LEAVES, PER, QTY, Exposure, OpenOrder
from risk.limits import Check, LimitBook, Limits
from risk.throttle import SlidingWindow
from venue.commands import NewOrder, ReplaceOrder
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

NEW_ORDER_CHECKS = (
    Check.KILL_SWITCH,
    Check.RESTRICTED,
    Check.SHORT_SALE,
    Check.ORDER_QTY,
    Check.COLLAR,
    Check.ORDER_NOTIONAL,
    Check.DUPLICATE,
    Check.CREDIT,
    Check.POSITION,
)
REPLACE_CHECKS = (
    Check.KILL_SWITCH,
    Check.ORDER_QTY,
    Check.COLLAR,
    Check.ORDER_NOTIONAL,
    Check.CREDIT,
    Check.POSITION,
)
_LIMIT, _BUY_SIDE = OrdType.LIMIT, Side.BUY
_PROTECTED_TIF = {TimeInForce.FOK: TimeInForce.FOK}  # every other market order: IOC


class _Rules:
    """The limits of one (firm, account, symbol), compiled to integers."""

    __slots__ = (
        "max_qty", "max_notional", "collar_ticks", "collar_num", "collar_den", "collar_desc",
        "position", "restricted", "short_restricted", "dup_window", "credit", "unit", "plain",
    )  # fmt: skip

    def __init__(self, order: Limits, firm: Limits, inst: Instrument, book: LimitBook) -> None:
        sym = book.symbols.get(inst.symbol)
        self.unit = _unit(inst)
        self.max_qty = order.max_order_qty
        notional = order.max_order_notional
        self.position = order.position_limit
        collar_pct: Decimal | None = order.collar_pct
        self.collar_ticks = order.collar_ticks
        if sym is not None:
            if sym.max_order_qty is not None:
                self.max_qty = min(self.max_qty, sym.max_order_qty)
            if sym.max_order_notional is not None:
                notional = min(notional, sym.max_order_notional)
            if sym.position_limit is not None:
                self.position = min(self.position, sym.position_limit)
            if sym.collar_ticks is not None or sym.collar_pct is not None:
                self.collar_ticks, collar_pct = sym.collar_ticks, sym.collar_pct
        self.max_notional = to_units(notional)
        num, den = (collar_pct or Decimal(0)).as_integer_ratio()
        self.collar_num, self.collar_den = num, den * 100
        self.collar_desc = (
            f"{self.collar_ticks} ticks" if self.collar_ticks is not None else f"{collar_pct}%"
        )
        self.restricted = inst.symbol in order.restricted_symbols
        self.short_restricted = inst.symbol in order.short_sale_restricted
        self.dup_window = order.duplicate_window_s
        self.credit = to_units(firm.credit_limit)
        #: Nothing but the size, collar, credit and position checks apply (the fast path).
        self.plain = not (self.restricted or self.short_restricted or self.dup_window)

    def width(self, reference: int) -> int:
        if self.collar_ticks is not None:
            return self.collar_ticks
        return abs(reference) * self.collar_num // self.collar_den


def _unit(inst: Instrument) -> int:
    unit = inst.tick_size * MICRO
    if unit != int(unit) or unit <= 0:
        raise ValueError(f"{inst.symbol}: tick size {inst.tick_size} is finer than 1e-6")
    return int(unit)


class RiskEngine:
    """Pre-trade checks and exposure for the whole venue (see module docstring)."""

    def __init__(self, instruments: Iterable[Instrument], limits: LimitBook) -> None:
        self.instruments: dict[str, Instrument] = {i.symbol: i for i in instruments}
        self._refs = {s: i.reference_ticks for s, i in self.instruments.items()}
        self.exposure = Exposure({s: _unit(i) for s, i in self.instruments.items()}, self._ref)
        #: Feed the venue's events (every event list, live and replayed).
        self.on_events: Callable[[Iterable[Any]], None] = self.exposure.apply
        self._last = self.exposure.last_price
        self.limits = limits
        self._rules: dict[tuple[str, str, str], _Rules] = {}
        self._windows: dict[str, SlidingWindow] = {}
        self._recent: dict[tuple[Any, ...], float] = {}
        self._recent_order: deque[tuple[float, tuple[Any, ...]]] = deque()
        self.killed_firms: set[str] = set()
        self.killed_accounts: set[str] = set()
        self._any_killed = False
        # decision counters (read by the metrics layer)
        self.orders_evaluated = 0
        self.order_rejects: dict[Check, int] = dict.fromkeys(NEW_ORDER_CHECKS, 0)
        self.replaces_evaluated = 0
        self.replace_rejects: dict[Check, int] = dict.fromkeys(REPLACE_CHECKS, 0)
        self.messages_admitted = 0
        self.messages_throttled = 0

    # -- limits and operator commands -------------------------------------------------------
    def set_limits(self, limits: LimitBook) -> None:
        """Replace every limit (a reload); exposure and kill switches are kept."""
        self.limits = limits
        self._rules.clear()
        self._windows.clear()

    def kill(self, *, firm: str | None = None, account: str | None = None) -> None:
        if firm is not None:
            self.killed_firms.add(firm)
        if account is not None:
            self.killed_accounts.add(account)
        self._any_killed = bool(self.killed_firms or self.killed_accounts)

    def release(self, *, firm: str | None = None, account: str | None = None) -> bool:
        """Lift a kill switch; False if it was not set."""
        found = False
        if firm is not None and firm in self.killed_firms:
            self.killed_firms.discard(firm)
            found = True
        if account is not None and account in self.killed_accounts:
            self.killed_accounts.discard(account)
            found = True
        self._any_killed = bool(self.killed_firms or self.killed_accounts)
        return found

    # -- events ---------------------------------------------------------------------------
    def new_day(self) -> None:
        self.exposure.new_day()

    def reference(self, symbol: str) -> int | None:
        """Last trade price, else the instrument's reference price (ticks)."""
        return self._ref(symbol)

    def _ref(self, symbol: str) -> int | None:
        last = self.exposure.last_price.get(symbol)
        return last if last is not None else self._refs.get(symbol)

    # -- the throttle -----------------------------------------------------------------------
    def admit_message(self, session_id: str, firm: str, now: float) -> Reject | None:
        """Count a D/G message of `session_id`; a Reject when beyond the throttle."""
        window = self._windows.get(session_id)
        if window is None:
            lim = self.limits.for_firm(firm)
            window = self._windows[session_id] = SlidingWindow(
                lim.throttle_msgs, lim.throttle_window_s
            )
        times = window.times  # SlidingWindow.admit, inlined (hot path)
        horizon = now - window.window_s
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) < window.limit:
            times.append(now)
            self.messages_admitted += 1
            return None
        self.messages_throttled += 1
        return reject(
            Check.THROTTLE,
            f"more than {window.limit} messages in {window.window_s:g} s "
            f"(limit {window.limit} per {window.window_s:g} s)",
        )

    def throttle_logout(self, firm: str) -> bool:
        return self.limits.for_firm(firm).throttle_logout

    # -- new orders -----------------------------------------------------------------------
    def _rules_for(self, firm: str, account: str, symbol: str) -> _Rules | None:
        key = (firm, account, symbol)
        rules = self._rules.get(key)
        if rules is None:
            inst = self.instruments.get(symbol)
            if inst is None:
                return None
            book = self.limits
            rules = _Rules(book.for_order(firm, account), book.for_firm(firm), inst, book)
            self._rules[key] = rules
        return rules

    def evaluate(self, cmd: NewOrder, now: float) -> NewOrder | Reject:
        """The order to submit (a market order becomes a protective limit) or a Reject."""
        self.orders_evaluated += 1
        firm, symbol = cmd.firm, cmd.symbol
        rules = self._rules.get((firm, cmd.account, symbol))
        if rules is None:
            rules = self._rules_for(firm, cmd.account, symbol)
            if rules is None:
                return cmd  # unknown symbol: the venue rejects it
        price = cmd.price
        if (
            rules.plain
            and not self._any_killed
            and cmd.ord_type is _LIMIT
            and price is not None
            and cmd.qty <= rules.max_qty
        ):
            # The fast path: a plain limit order that passes every check. Anything else
            # (or a refusal) goes through `_check_new`, which words the reject.
            ref = self._last.get(symbol)
            if ref is None:
                ref = self._refs.get(symbol)
            if ref is not None:
                w = rules.collar_ticks
                if w is None:
                    w = ref * rules.collar_num // rules.collar_den
                if ref - w <= price <= ref + w:
                    qty = cmd.qty
                    notional = qty * price * rules.unit
                    ex = self.exposure
                    if (
                        notional <= rules.max_notional
                        and ex.open_notional.get(firm, 0)
                        + ex.filled_notional.get(firm, 0)
                        + notional
                        <= rules.credit
                    ):
                        key = (firm, cmd.account, symbol)
                        pos = ex.position.get(key, 0)
                        if cmd.side is _BUY_SIDE:
                            if pos + ex.open_buy.get(key, 0) + qty <= rules.position:
                                return cmd
                        elif pos - ex.open_sell.get(key, 0) - qty >= -rules.position:
                            return cmd
        verdict = self._check_new(cmd, rules, now)
        if type(verdict) is Reject:
            self.order_rejects[verdict.check] += 1
        return verdict

    def _check_new(self, cmd: NewOrder, rules: _Rules, now: float) -> NewOrder | Reject:
        if self.killed_firms or self.killed_accounts:
            killed = self._killed(cmd.firm, cmd.account)
            if killed is not None:
                return killed
        symbol = cmd.symbol
        if rules.restricted:
            return reject(
                Check.RESTRICTED, f"{symbol} is on the restricted list of account {cmd.account}"
            )
        if cmd.short_sale and rules.short_restricted:
            return reject(
                Check.SHORT_SALE,
                f"short sales of {symbol} are not allowed for account {cmd.account}",
            )
        qty = cmd.qty
        if qty > rules.max_qty:
            return reject(
                Check.ORDER_QTY,
                f"order quantity {qty} exceeds the maximum order quantity {rules.max_qty}",
            )
        price = cmd.price
        if cmd.ord_type is OrdType.MARKET:
            protected = self._protect(cmd, rules)
            if type(protected) is Reject:
                return protected
            cmd = protected  # type: ignore[assignment]
            price = cmd.price
        elif price is not None:
            bad = self._collar(symbol, price, rules, cmd.stop_price)
            if bad is not None:
                return bad
        hold = price if price is not None else (cmd.stop_price or self._ref(symbol) or 0)
        notional = qty * hold * rules.unit
        if notional > rules.max_notional:
            return reject(
                Check.ORDER_NOTIONAL,
                f"order notional {money(notional)} exceeds the maximum order notional "
                f"{money(rules.max_notional)}",
            )
        if rules.dup_window is not None:
            dup = self._duplicate(cmd, price, rules.dup_window, now)
            if dup is not None:
                return dup
        exposure = self.exposure
        firm = cmd.firm
        used = exposure.used_credit(firm)
        if used + notional > rules.credit:
            return reject(
                Check.CREDIT,
                f"open + filled notional {money(used + notional)} would exceed the credit "
                f"limit {money(rules.credit)} of firm {firm}",
            )
        bad = self._position(cmd.side is Side.BUY, (firm, cmd.account, symbol), qty, rules)
        return cmd if bad is None else bad

    def _killed(self, firm: str, account: str) -> Reject | None:
        if firm in self.killed_firms:
            return reject(Check.KILL_SWITCH, f"firm {firm} is blocked by the kill switch")
        if account in self.killed_accounts:
            return reject(Check.KILL_SWITCH, f"account {account} is blocked by the kill switch")
        return None

    def _px(self, symbol: str, ticks: int) -> str:
        return f"{self.instruments[symbol].ticks_to_price(ticks)}"

    def _collar(self, symbol: str, price: int, rules: _Rules, stop: int | None) -> Reject | None:
        ref = stop if stop is not None else self._ref(symbol)
        if ref is None:
            return None
        w = rules.width(ref)
        if ref - w <= price <= ref + w:
            return None
        what = "stop price" if stop is not None else "reference"
        return reject(
            Check.COLLAR,
            f"price {self._px(symbol, price)} is outside the collar "
            f"{self._px(symbol, ref - w)}..{self._px(symbol, ref + w)} "
            f"({rules.collar_desc} around the {what} {self._px(symbol, ref)})",
        )

    def _protect(self, cmd: NewOrder, rules: _Rules) -> NewOrder | Reject:
        """A market order as a limit order at the edge of the collar (IOC, or FOK)."""
        ref = self._ref(cmd.symbol)
        if ref is None:
            return reject(
                Check.COLLAR, f"no reference price for {cmd.symbol} to bound a market order"
            )
        w = rules.width(ref)
        bound = ref + w if cmd.side is Side.BUY else max(ref - w, 1)
        return dataclasses.replace(
            cmd,
            ord_type=OrdType.LIMIT,
            price=bound,
            tif=_PROTECTED_TIF.get(cmd.tif, TimeInForce.IOC),
        )

    def _duplicate(
        self, cmd: NewOrder, price: int | None, window: float, now: float
    ) -> Reject | None:
        recent, order = self._recent, self._recent_order
        horizon = now - window
        while order and order[0][0] <= horizon:
            t, k = order.popleft()
            if recent.get(k) == t:
                del recent[k]
        key = (cmd.firm, cmd.account, cmd.symbol, cmd.side, cmd.short_sale, cmd.qty, price)
        seen = recent.get(key)
        if seen is not None and seen > horizon:
            return reject(
                Check.DUPLICATE,
                f"same account, symbol, side, quantity and price as an order "
                f"{now - seen:.3f} s ago (window {window:g} s)",
            )
        recent[key] = now
        order.append((now, key))
        return None

    def _position(
        self, buy: bool, key: tuple[str, str, str], qty: int, rules: _Rules
    ) -> Reject | None:
        ex = self.exposure
        pos = ex.position.get(key, 0)
        if buy:
            worst = pos + ex.open_buy.get(key, 0) + qty
            if worst <= rules.position:
                return None
        else:
            worst = pos - ex.open_sell.get(key, 0) - qty
            if worst >= -rules.position:
                return None
        return reject(
            Check.POSITION,
            f"net position of account {key[1]} in {key[2]} would reach {worst} if every open "
            f"order filled (limit +/-{rules.position})",
        )

    # -- replaces -------------------------------------------------------------------------
    def check_replace(self, cmd: ReplaceOrder, now: float) -> Reject | None:
        """Whether a cancel/replace may go to the venue (None: yes)."""
        rec = self.exposure.orders.get(cmd.order_id)
        if rec is None:
            return None  # not live (or not held): the venue answers
        self.replaces_evaluated += 1
        verdict = self._check_replace(cmd, rec)
        if verdict is not None:
            self.replace_rejects[verdict.check] += 1
        return verdict

    def _check_replace(self, cmd: ReplaceOrder, rec: OpenOrder) -> Reject | None:
        key: tuple[str, str, str] = rec[KEY]
        firm, account, symbol = key
        rules = self._rules_for(firm, account, symbol)
        assert rules is not None
        old_hold = rec[PER] // rules.unit
        old_leaves: int = rec[LEAVES]
        if self.killed_firms or self.killed_accounts:
            killed = self._killed(firm, account)
            if killed is not None:
                return killed
        if cmd.qty > rules.max_qty:
            return reject(
                Check.ORDER_QTY,
                f"order quantity {cmd.qty} exceeds the maximum order quantity {rules.max_qty}",
            )
        if cmd.price is not None and old_hold != cmd.price:
            bad = self._collar(symbol, cmd.price, rules, cmd.stop_price)
            if bad is not None:
                return bad
        hold = cmd.price if cmd.price is not None else (cmd.stop_price or old_hold)
        notional = cmd.qty * hold * rules.unit
        if notional > rules.max_notional:
            return reject(
                Check.ORDER_NOTIONAL,
                f"order notional {money(notional)} exceeds the maximum order notional "
                f"{money(rules.max_notional)}",
            )
        leaves = max(0, cmd.qty - (rec[QTY] - old_leaves))
        added = leaves * hold * rules.unit - old_leaves * rec[PER]
        used = self.exposure.used_credit(firm)
        if added > 0 and used + added > rules.credit:
            return reject(
                Check.CREDIT,
                f"open + filled notional {money(used + added)} would exceed the credit "
                f"limit {money(rules.credit)} of firm {firm}",
            )
        more = leaves - old_leaves
        return self._position(rec[BUY], key, more, rules) if more > 0 else None

    # -- metrics ----------------------------------------------------------------------------
    def counts(self) -> dict[tuple[str, str], int]:
        """Decisions by (check, outcome), outcome "pass" or "reject" (plain ints)."""
        out: dict[tuple[str, str], int] = {
            (Check.THROTTLE.value, "pass"): self.messages_admitted,
            (Check.THROTTLE.value, "reject"): self.messages_throttled,
        }
        for evaluated, rejects, order in (
            (self.orders_evaluated, self.order_rejects, NEW_ORDER_CHECKS),
            (self.replaces_evaluated, self.replace_rejects, REPLACE_CHECKS),
        ):
            reached = evaluated
            for check in order:
                n = rejects[check]
                key = check.value
                out[(key, "reject")] = out.get((key, "reject"), 0) + n
                out[(key, "pass")] = out.get((key, "pass"), 0) + reached - n
                reached -= n
        return out
