"""FIX drop-copy sessions: copies of ExecutionReports, or a TradeCaptureReport per trade.

Role: decide which drop-copy sessions get what, and encode it. Order entry calls
`DropCopies.execution_report` right after it hands an ExecutionReport to the owning session,
and `DropCopies.trade` once per match; the messages returned go to the same outbox as the
originals (gateway.app.service: the `copies` hook). Pure: no I/O, no clock.

Invariants:
- A copy is an ordinary outbound application message of the drop-copy session, handed over
  in the same loop turn as the original: it is numbered, stored and committed in the same
  transaction as the original, and a disconnected drop-copy session receives it on
  reconnect through the normal FIX resend. Nothing is lost and nothing waits for a consumer.
- An ExecutionReport copy is the original body unchanged plus CopyMsgIndicator(797)=Y; each
  session entitled to the order's firm receives it exactly once.
- A TradeCaptureReport (AE) goes once per trade to each trade-capture session entitled to
  the firm of either side; TradeReportID(571) and TrdMatchID(880) carry the venue's trade
  id (the SecondaryExecID(527) of both fills); both sides are in the NoSides(552) group with
  OrderID, ClOrdID, the firm as a Party (PartyRole 1, executing firm) and Account.
- Only FIX 4.4 fields, in the order of the FIX 4.4 dictionary (fixspec.messages44 "AE").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from config.schema import Config, DropCopyFormat, SessionRole
from venue.events import OrderInfo, Trade
from venue.types import Side

ALL_FIRMS = "*"
Outbound = tuple[str, str, bytes]  # (session id, MsgType, body)


@dataclass(frozen=True, slots=True, kw_only=True)
class CopyTarget:
    """One drop-copy session: the firms it sees, and whether it wants AE instead of 8."""

    session_id: str
    firms: frozenset[str]
    trade_capture: bool = False

    def entitled_to(self, firm: str) -> bool:
        return ALL_FIRMS in self.firms or firm in self.firms


class DropCopies:
    """The fan-out of reports and trades to drop-copy sessions (see module docstring)."""

    def __init__(self, targets: Iterable[CopyTarget]) -> None:
        self.targets = tuple(targets)
        self._reports = tuple(t for t in self.targets if not t.trade_capture)
        self._captures = tuple(t for t in self.targets if t.trade_capture)
        self._by_firm: dict[str, tuple[str, ...]] = {}

    def __bool__(self) -> bool:
        return bool(self.targets)

    def _report_sessions(self, firm: str) -> tuple[str, ...]:
        sids = self._by_firm.get(firm)
        if sids is None:
            sids = tuple(t.session_id for t in self._reports if t.entitled_to(firm))
            self._by_firm[firm] = sids
        return sids

    def execution_report(self, firm: str, body: bytes) -> list[Outbound]:
        """Copies of one ExecutionReport body (application fields) of an order of `firm`."""
        sids = self._report_sessions(firm)
        if not sids:
            return []
        copy = body + b"797=Y\x01"
        return [(sid, "8", copy) for sid in sids]

    def trade(self, trade: Trade, price: bytes, transact_time: bytes) -> list[Outbound]:
        """TradeCaptureReports of one match; `price` is its decimal text (LastPx)."""
        if not self._captures:
            return []
        firms = (trade.maker.firm, trade.taker.firm)
        sids = [t.session_id for t in self._captures if any(map(t.entitled_to, firms))]
        if not sids:
            return []
        body = trade_capture_report(trade, price, transact_time)
        return [(sid, "AE", body) for sid in sids]


def _side(o: OrderInfo) -> bytes:
    if o.side is Side.BUY:
        return b"1"
    return b"5" if o.short_sale else b"2"


def _side_entry(o: OrderInfo) -> bytes:
    return b"54=%s\x0137=%d\x0111=%s\x01453=1\x01448=%s\x01447=D\x01452=1\x011=%s\x01" % (
        _side(o),
        o.order_id,
        o.client_ref.encode(),
        o.firm.encode(),
        o.account.encode(),
    )


def trade_capture_report(trade: Trade, price: bytes, transact_time: bytes) -> bytes:
    """The AE body of one trade: a new (487=0), not previously reported (570=N) report,
    buy side first. TradeDate(75) is the UTC date of TransactTime."""
    maker, taker = trade.maker, trade.taker
    buy, sell = (maker, taker) if maker.side is Side.BUY else (taker, maker)
    return b"".join(
        (
            b"571=%d\x01487=0\x01856=0\x01880=%d\x01570=N\x0155=%s\x0132=%d\x0131=%s\x01"
            % (trade.trade_id, trade.trade_id, trade.symbol.encode(), trade.qty, price),
            b"75=%s\x0160=%s\x01552=2\x01" % (transact_time[:8], transact_time),
            _side_entry(buy),
            _side_entry(sell),
        )
    )


def from_config(config: Config) -> DropCopies | None:
    """The fan-out for the configured drop-copy sessions (None when there are none)."""
    targets = [
        CopyTarget(
            session_id=s.session_id,
            firms=frozenset(s.drop_copy_firms),
            trade_capture=s.drop_copy_format is DropCopyFormat.TRADE_CAPTURE,
        )
        for s in config.sessions
        if s.role is SessionRole.DROP_COPY
    ]
    return DropCopies(targets) if targets else None
