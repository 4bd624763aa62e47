"""ClOrdID bookkeeping: which order a client means, who may touch it, what was seen.

Role: the gateway's memory of client order identifiers, kept beside the venue (which knows
orders only by OrderID). Updated from venue events, so replaying the journal rebuilds it.

Invariants:
- ``by_clordid[(firm, ClOrdID)]`` names the order for every ClOrdID of its chain (the
  original and every accepted cancel/replace ClOrdID), live or done: a cancel quoting an
  old ClOrdID of a done order is answered "already done", not "unknown".
- ``live_clordids`` holds the ClOrdIDs (per firm) of live orders only: a new request
  reusing one of them is a duplicate.
- ``seen[session]`` holds every ClOrdID a session has sent on a NewOrderSingle (accepted
  or rejected), for PossResend(97) handling.
- Ownership is by firm: a session acts only on its own firm's orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from venue.events import OrderInfo
from venue.shardmap import ShardedDict, ShardedSet


@dataclass(slots=True)
class OrderRef:
    order_id: int
    firm: str
    cl_ord_id: str  # the current ClOrdID (changes with each accepted replace)
    chain: list[str] = field(default_factory=list)
    live: bool = True


class OrderIds:
    """ClOrdID chains, liveness and PossResend memory, per firm and session."""

    def __init__(self) -> None:
        # An entry per order each: sharded, so they grow in small steps (venue.shardmap).
        self.by_clordid: ShardedDict[tuple[str, str], int] = ShardedDict()
        self.refs: ShardedDict[int, OrderRef] = ShardedDict()
        self.live_clordids: ShardedDict[tuple[str, str], int] = ShardedDict()
        self.seen: dict[str, ShardedSet[str]] = {}

    # -- lookups ----------------------------------------------------------------------
    def is_live_clordid(self, firm: str, cl_ord_id: str) -> bool:
        return (firm, cl_ord_id) in self.live_clordids

    def find(self, firm: str, cl_ord_id: str) -> int | None:
        return self.by_clordid.get((firm, cl_ord_id))

    def ref(self, order_id: int) -> OrderRef | None:
        return self.refs.get(order_id)

    def was_seen(self, session_id: str, cl_ord_id: str) -> bool:
        s = self.seen.get(session_id)
        return s is not None and cl_ord_id in s

    # -- updates ----------------------------------------------------------------------
    def mark_seen(self, session_id: str, cl_ord_id: str) -> None:
        s = self.seen.get(session_id)
        if s is None:
            s = self.seen[session_id] = ShardedSet()
        s.add(cl_ord_id)

    def accepted(self, info: OrderInfo) -> None:
        ref = OrderRef(info.order_id, info.firm, info.client_ref, [info.client_ref])
        self.refs[info.order_id] = ref
        self.by_clordid[(info.firm, info.client_ref)] = info.order_id
        self.live_clordids[(info.firm, info.client_ref)] = info.order_id

    def replaced(self, info: OrderInfo) -> None:
        ref = self.refs.get(info.order_id)
        if ref is None:
            return
        self.live_clordids.pop((ref.firm, ref.cl_ord_id), None)
        ref.cl_ord_id = info.client_ref
        ref.chain.append(info.client_ref)
        self.by_clordid[(ref.firm, info.client_ref)] = info.order_id
        if ref.live:
            self.live_clordids[(ref.firm, info.client_ref)] = info.order_id

    def cancel_ref(self, firm: str, order_id: int, cl_ord_id: str) -> None:
        """A cancel request's ClOrdID joins the chain (it names the order from now on)."""
        if cl_ord_id:
            self.by_clordid.setdefault((firm, cl_ord_id), order_id)

    def done(self, order_id: int) -> None:
        ref = self.refs.get(order_id)
        if ref is None or not ref.live:
            return
        ref.live = False
        self.live_clordids.pop((ref.firm, ref.cl_ord_id), None)
