"""Micro-benchmark of the order-entry hot path (run by hand, not collected by pytest):

.venv/bin/python -m tests.scenarios.bench_session

Each figure is the best of ``ROUNDS`` consecutive rounds (the machine is shared and noisy;
the fastest round is the least disturbed one), timed in process CPU time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from fixspec.codec import parse
from fixspec.validate import validate
from tests.scenarios.harness import Harness, fixify

N = 20_000
ROUNDS = 5


def best(run: Callable[[Sequence[bytes]], None], items: Sequence[bytes]) -> float:
    """Microseconds per item of the fastest of ROUNDS rounds over consecutive slices."""
    size = len(items) // ROUNDS
    times = []
    for r in range(ROUNDS):
        chunk = items[r * size : (r + 1) * size]
        t0 = time.process_time()
        run(chunk)
        times.append((time.process_time() - t0) / len(chunk) * 1e6)
    return min(times)


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

    def parse_validate(chunk: Sequence[bytes]) -> None:
        for raw in chunk:
            validate(parse(raw))

    print(f"parse+validate NewOrderSingle: {best(parse_validate, orders):.1f} us")

    s = h.session

    def send_er(chunk: Sequence[bytes]) -> None:
        for _ in chunk:
            s.send("8", er, t)
            s.data_to_send()

    per = best(send_er, orders)
    print(f"send ExecutionReport (header, checksum, record, flush): {per:.1f} us")

    h2 = Harness()
    h2.send("35=A|34=1|98=0|108=30")
    s2 = h2.session
    s2.data_to_send()

    def full(chunk: Sequence[bytes]) -> None:
        for raw in chunk:
            s2.receive_data(raw, t)
            ev = None
            while (e := s2.next_event()) is not None:
                ev = e
            assert ev is not None
            s2.send("8", er, t)
            s2.data_to_send()

    per = best(full, orders)
    print(f"full path: NewOrderSingle in -> event -> ExecutionReport out: {per:.1f} us")
    print(f"  = {1e6 / per:,.0f} orders/s on one core")


if __name__ == "__main__":
    main()
