"""SecurityListRequest (x) -> SecurityList (y): the venue's instruments over FIX 4.4.

Role: describe the engine's instruments to a client. Pure: no I/O, no clock, no logging;
the router calls ``security_list`` and sends what it returns, as
``(session_id, msg_type, body)`` with ``body`` the encoded application fields.

Invariants: exactly one SecurityList answers each request, in one message
(LastFragment=Y); SecurityListRequestType(559) 4 lists every instrument in the engine's
order, 0 the one named by Symbol(55); any other type, or 0 without a symbol, is answered
with SecurityRequestResult(560)=1 (invalid or unsupported request), an unknown symbol with
560=2 (no instruments found). An entry carries only FIX 4.4 SecurityList fields: Symbol,
Currency, RoundLot (the lot size) and MinTradeVol (the minimum quantity). FIX 4.4 has no
field for the tick size (MinPriceIncrement arrived in FIX 5.0), so it is not sent; nor
has its SecurityList a top-level Text(58), so a failed request carries no explanation.
SecurityResponseID(322) is "SL-" + SecurityReqID (the function keeps no counter).
"""

from __future__ import annotations

from datetime import datetime

from fixspec.codec import FixMessage, encode_field
from fixspec.enums import MsgType
from gateway.app.marketdata import Outgoing
from venue.engine import Engine

__all__ = ["security_list"]

_Y = str(MsgType.SECURITY_LIST)
_SYMBOL, _ALL = 0, 4
_VALID, _INVALID, _NONE_FOUND = 0, 1, 2


def security_list(
    engine: Engine, session_id: str, msg: FixMessage, now: datetime
) -> list[Outgoing]:
    """Answer a SecurityListRequest (x) with one SecurityList (y)."""
    req_id = msg.get_str(320) or "?"
    kind = msg.get_int(559)
    symbol = msg.get_str(55)
    symbols: list[str] = []
    if kind == _ALL:
        symbols = engine.symbols
        result = _VALID if symbols else _NONE_FOUND
    elif kind == _SYMBOL and symbol:
        if symbol in engine.symbols:
            symbols = [symbol]
        result = _VALID if symbols else _NONE_FOUND
    else:
        result = _INVALID
    body = [
        encode_field(320, req_id),
        encode_field(322, f"SL-{req_id}"),
        encode_field(560, result),
        encode_field(393, len(symbols)),
        encode_field(893, "Y"),
    ]
    if symbols:
        body.append(encode_field(146, len(symbols)))
        for symbol in symbols:
            inst = engine.instrument(symbol)
            body.append(
                encode_field(55, symbol)
                + encode_field(15, inst.currency)
                + encode_field(561, inst.lot_size)
                + encode_field(562, inst.min_qty)
            )
    return [(session_id, _Y, b"".join(body))]
