"""Micro-benchmark of the order-entry hot path (run by hand, not collected by pytest):

.venv/bin/python -m tests.scenarios.bench_session
"""

from __future__ import annotations

import time

from fixspec.codec import parse
from fixspec.validate import validate
from tests.scenarios.harness import Harness, fixify

N = 20_000


def main() -> None:
    h = Harness()
    h.send("35=A|34=1|98=0|108=30")
    h.outbox.clear()
    t = h.now
    orders = [
        fixify(
            f"8=FIX.4.4|35=D|34={i}|49=TW44|52=<TIME>|56=ISLD|11=C{i}|21=1|40=2|54=1|"
            f"38=100|44=10.25|55=INTC|59=0|60=<TIME>|",
            t,
        )
        for i in range(2, N + 2)
    ]
    er = (
        b"37=O1\x0111=C1\x0117=E1\x01150=0\x0139=0\x0155=INTC\x0154=1\x01151=100\x0114=0\x016=0\x01"
    )

    t0 = time.perf_counter()
    for raw in orders:
        validate(parse(raw))
    t1 = time.perf_counter()
    print(f"parse+validate NewOrderSingle: {(t1 - t0) / N * 1e6:.1f} us")

    s = h.session
    t0 = time.perf_counter()
    for _ in range(N):
        s.send("8", er, t)
        s.data_to_send()
    t1 = time.perf_counter()
    print(f"send ExecutionReport (header, checksum, record, flush): {(t1 - t0) / N * 1e6:.1f} us")

    h2 = Harness()
    h2.send("35=A|34=1|98=0|108=30")
    s2 = h2.session
    s2.data_to_send()
    t0 = time.perf_counter()
    for raw in orders:
        s2.receive_data(raw, t)
        ev = None
        while (e := s2.next_event()) is not None:
            ev = e
        assert ev is not None
        s2.send("8", er, t)
        s2.data_to_send()
    t1 = time.perf_counter()
    per = (t1 - t0) / N * 1e6
    print(f"full path: NewOrderSingle in -> event -> ExecutionReport out: {per:.1f} us")
    print(f"  = {1e6 / per:,.0f} orders/s on one core")


if __name__ == "__main__":
    main()
