"""FIX order-entry messages -> venue commands, or the reason they cannot be one.

Role: read the fields of a NewOrderSingle (D), OrderCancelRequest (F) and
OrderCancelReplaceRequest (G) that the session layer already validated against the FIX 4.4
dictionary, apply the venue's business rules for them (conditionally required fields,
supported values, exact tick conversion) and produce typed values.

Invariants: pure; never raises on client input: every problem becomes a `Refusal` with the
FIX reject code and a text that names the field and the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from fixspec.codec import FixMessage
from fixspec.enums import OrdRejReason
from fixspec.utctime import parse_timestamp
from gateway.app.fixmap import ORD_TYPE_FROM_FIX, SIDE_FROM_FIX, TIF_FROM_FIX
from gateway.session import native_or_trusted
from venue.instruments import Instrument
from venue.types import OrdType, Side, TimeInForce

_PRICED: Final = (OrdType.LIMIT, OrdType.STOP_LIMIT)
_STOPS: Final = (OrdType.STOP, OrdType.STOP_LIMIT)


@dataclass(frozen=True, slots=True)
class Refusal:
    ord_rej_reason: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFields:
    """The venue-relevant content of a D or G, in venue units."""

    symbol: str
    side: Side
    short_sale: bool
    qty: int
    ord_type: OrdType
    tif: TimeInForce
    price: int | None
    stop_price: int | None
    max_floor: int | None
    expire_at: datetime | None


_ALLOC_FIELDS: Final[Any] = OrderFields.__new__


def _native_order_fields(
    symbol: str,
    side: Side,
    short_sale: bool,
    qty: int,
    ord_type: OrdType,
    tif: TimeInForce,
    price: int | None,
    stop_price: int | None,
    max_floor: int | None,
    expire_at: datetime | None,
) -> OrderFields:
    f: OrderFields = _ALLOC_FIELDS(OrderFields)  # compiled only: see gateway.session._trusted
    f.symbol = symbol  # type: ignore[misc]
    f.side = side  # type: ignore[misc]
    f.short_sale = short_sale  # type: ignore[misc]
    f.qty = qty  # type: ignore[misc]
    f.ord_type = ord_type  # type: ignore[misc]
    f.tif = tif  # type: ignore[misc]
    f.price = price  # type: ignore[misc]
    f.stop_price = stop_price  # type: ignore[misc]
    f.max_floor = max_floor  # type: ignore[misc]
    f.expire_at = expire_at  # type: ignore[misc]
    return f


#: OrderFields(...) without the frozen dataclass's per-field __setattr__ (values checked
#: above; one per order): positional, in field order.
_order_fields: Final[Callable[..., OrderFields]] = native_or_trusted(
    OrderFields, _native_order_fields
)


def _str(msg: FixMessage, tag: int) -> str:
    v = msg.get(tag)
    return "" if v is None else v.decode("latin-1")


def parse_qty(raw: bytes | None, name: str = "OrderQty(38)") -> int | Refusal:
    if raw is None:
        return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{name} is required")
    if raw.isdigit():
        q = int(raw)
    else:
        try:
            d = Decimal(raw.decode("latin-1"))
        except InvalidOperation:
            return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{name} {raw!r} is not a number")
        if d != d.to_integral_value():
            return Refusal(
                OrdRejReason.INCORRECT_QUANTITY, f"{name} {d} is not a whole number of units"
            )
        q = int(d)
    if q <= 0:
        return Refusal(OrdRejReason.INCORRECT_QUANTITY, f"{name} must be positive, got {q}")
    return q


_PRICE_CACHE: Final[dict[tuple[Decimal, bytes], int]] = {}


def parse_price(raw: bytes, inst: Instrument, name: str) -> int | Refusal:
    """Exact decimal -> ticks; prices repeat (a book has a few hundred levels), so good
    conversions are cached per tick size."""
    key = (inst.tick_size, raw)
    hit = _PRICE_CACHE.get(key)
    if hit is not None:
        return hit
    try:
        d = Decimal(raw.decode("latin-1"))
    except InvalidOperation:
        return Refusal(OrdRejReason.OTHER, f"{name} {raw!r} is not a price")
    if not d.is_finite() or d <= 0:
        return Refusal(OrdRejReason.OTHER, f"{name} must be positive, got {d}")
    ticks, rest = divmod(d, inst.tick_size)
    if rest != 0:
        return Refusal(
            OrdRejReason.OTHER,
            f"{name} {d} is not a multiple of the tick size {inst.tick_size} for {inst.symbol}",
        )
    if len(_PRICE_CACHE) >= 100_000:
        _PRICE_CACHE.clear()
    _PRICE_CACHE[key] = int(ticks)
    return int(ticks)


def _required_price(
    msg: FixMessage, tag: int, name: str, inst: Instrument, ord_type: bytes
) -> int | Refusal:
    """A price the order type needs (Price for limits, StopPx for stops), in ticks."""
    raw = msg.get(tag)
    if raw is None:
        return Refusal(
            OrdRejReason.OTHER, f"{name} is required for OrdType(40)={ord_type.decode()}"
        )
    return parse_price(raw, inst, name)


def order_fields(
    msg: FixMessage, inst: Instrument, trading_day_end: time, now: float
) -> OrderFields | Refusal:
    """Read the order part of a D or G for instrument `inst` (`now`: epoch seconds, used
    only to refuse a GTD expiry in the past, so most orders never build a datetime)."""
    side_raw = msg.get(54) or b""
    side = SIDE_FROM_FIX.get(side_raw)
    if side is None:
        return Refusal(
            OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
            f"Side(54)={side_raw.decode('latin-1')} is not supported (1 buy, 2 sell, 5 sell short)",
        )
    qty = parse_qty(msg.get(38))
    if isinstance(qty, Refusal):
        return qty
    ot_raw = msg.get(40) or b""
    ord_type = ORD_TYPE_FROM_FIX.get(ot_raw)
    if ord_type is None:
        return Refusal(
            OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
            f"OrdType(40)={ot_raw.decode('latin-1')} is not supported "
            "(1 market, 2 limit, 3 stop, 4 stop limit)",
        )
    tif_raw = msg.get(59) or b"0"
    tif = TIF_FROM_FIX.get(tif_raw)
    if tif is None:
        return Refusal(
            OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
            f"TimeInForce(59)={tif_raw.decode('latin-1')} is not supported",
        )
    price: int | None = None
    if ord_type in _PRICED:
        p = _required_price(msg, 44, "Price(44)", inst, ot_raw)
        if isinstance(p, Refusal):
            return p
        price = p
    stop: int | None = None
    if ord_type in _STOPS:
        sp = _required_price(msg, 99, "StopPx(99)", inst, ot_raw)
        if isinstance(sp, Refusal):
            return sp
        stop = sp
    max_floor: int | None = None
    if msg.get(111) is not None:
        mf = parse_qty(msg.get(111), "MaxFloor(111)")
        if isinstance(mf, Refusal):
            return mf
        max_floor = mf
    expire_at: datetime | None = None
    if tif is TimeInForce.GTD:
        expire = _expiry(msg, trading_day_end)
        if isinstance(expire, Refusal):
            return expire
        if expire <= datetime.fromtimestamp(now, UTC):
            return Refusal(OrdRejReason.OTHER, f"ExpireTime {expire.isoformat()} is in the past")
        expire_at = expire
    return _order_fields(
        inst.symbol, side[0], side[1], qty, ord_type, tif, price, stop, max_floor, expire_at
    )


def _expiry(msg: FixMessage, trading_day_end: time) -> datetime | Refusal:
    raw_time = msg.get(126)
    if raw_time is not None:
        ts = parse_timestamp(raw_time)
        if ts is None:
            return Refusal(
                OrdRejReason.OTHER, f"ExpireTime(126) {raw_time!r} is not a UTCTimestamp"
            )
        return datetime.fromtimestamp(ts, UTC)
    raw_date = msg.get(432)
    if raw_date is not None:
        try:
            day = datetime.strptime(raw_date.decode("latin-1"), "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            return Refusal(
                OrdRejReason.OTHER, f"ExpireDate(432) {raw_date!r} is not a LocalMktDate"
            )
        end = datetime.combine(day.date(), trading_day_end, UTC)
        return end if trading_day_end != time(0) else end + timedelta(days=1)
    return Refusal(
        OrdRejReason.OTHER, "TimeInForce(59)=6 (GTD) needs ExpireTime(126) or ExpireDate(432)"
    )


def symbol_of(msg: FixMessage, by_security_id: Mapping[str, str]) -> str:
    """Symbol(55), or the symbol configured for SecurityID(48) when 55 is absent/N/A."""
    sym = _str(msg, 55)
    if (not sym or sym == "[N/A]") and msg.get(48) is not None:
        return by_security_id.get(_str(msg, 48), sym)
    return sym
