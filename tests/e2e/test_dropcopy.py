"""Drop copy end to end: two quickfix trading firms and quickfix drop-copy sessions.

Each test starts its own venue (subprocess, fresh SQLite in tmp_path, free port) with a
test configuration: the shipped defaults plus trading sessions CLIENT41.. (firm FIRMn,
account ACCn) and drop-copy sessions DROPCOPY41.. (all firms, ExecutionReport copies),
TCR41.. (all firms, TradeCaptureReports) and DCONE41.. (entitled to one firm only). Session
ids are unique in this process and disjoint from the other e2e modules' (quickfix crashes
on a second initiator for a session id it has seen).

Checked: every ExecutionReport of both firms arrives on the drop copy with the same fields
and CopyMsgIndicator(797)=Y; a drop-copy session logged out during trading receives what it
missed through FIX resend after it logs on again; an AE per trade, accepted by quickfix's
FIX44.xml validation; entitlement by firm; the drop copy stays read-only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("quickfix")

from qfclient import QfInitiator  # noqa: E402
from test_order_entry import Msg, Party  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

FIRST, LAST = 41, 60
_numbers = itertools.count(FIRST)
HEADER_TAGS = {8, 9, 34, 35, 43, 49, 52, 56, 97, 122, 10}


def _session(name: str, role_lines: str) -> str:
    return (
        f'\n[[sessions]]\nsender_comp_id = "{name}"\n{role_lines}'
        "heartbeat_min = 1\nheartbeat_max = 300\nreset_on_logon = false\n"
    )


@pytest.fixture(scope="module")
def dc_config(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    blocks = [(repo_root / "config" / "default.toml").read_text()]
    for n in range(FIRST, LAST + 1):
        blocks.append(
            _session(f"CLIENT{n}", f'role = "trading"\nfirm = "FIRM{n}"\naccounts = ["ACC{n}"]\n')
        )
        blocks.append(_session(f"DROPCOPY{n}", 'role = "drop-copy"\ndrop_copy_firms = ["*"]\n'))
        blocks.append(
            _session(
                f"TCR{n}",
                'role = "drop-copy"\ndrop_copy_firms = ["*"]\ndrop_copy_format = "trade-capture"\n',
            )
        )
        blocks.append(_session(f"DCONE{n}", f'role = "drop-copy"\ndrop_copy_firms = ["FIRM{n}"]\n'))
    path = tmp_path_factory.mktemp("dcconfig") / "venue.toml"
    path.write_text("".join(blocks))
    return path


Start = Callable[..., tuple[Party, Party, dict[str, Party]]]


@pytest.fixture
def venue(start_venue, free_port: int, tmp_path: Path, dc_config: Path) -> Iterator[Start]:
    """`venue(*copies)`: a fresh venue, two logged-on firms and the drop copies asked for
    ("DROPCOPY", "TCR", "DCONE"; numbered like the first firm)."""
    started: list[Party] = []

    def start(*copies: str) -> tuple[Party, Party, dict[str, Party]]:
        start_venue(
            "--config", str(dc_config), "--port", str(free_port),
            "--data-dir", str(tmp_path / "data"), "--log-level", "warning",
        )  # fmt: skip
        a, b = next(_numbers), next(_numbers)
        assert b <= LAST, "more sessions than the test configuration has"
        names = [(f"CLIENT{a}", a), (f"CLIENT{b}", b)] + [(f"{c}{a}", 0) for c in copies]
        for name, k in names:
            qf = QfInitiator(
                tmp_path / name, free_port, sender=name, heartbeat=30, reset_on_logon=False
            )
            started.append(Party(qf.start(), k))
        for p in started:
            p.qf.wait_kind("logon", timeout=15)
        buyer, seller, *rest = started
        return buyer, seller, {c: p for c, p in zip(copies, rest, strict=True)}

    yield start
    try:
        for p in started:
            p.settle(0.1)
            assert p.rejects == [], f"{p.name}: session-level rejects: {p.rejects}"
    finally:
        for p in started:
            p.qf.stop()


def body(m: Msg) -> list[tuple[int, str]]:
    return [(t, v) for t, v in m.pairs if t not in HEADER_TAGS]


def trade(buyer: Party, seller: Party) -> list[Msg]:
    """A resting sell hit by two buys (a partial then a full fill): every report, in order
    of arrival per firm."""
    seller.order("S1", "2", 100, "100.00")
    reports = [seller.er("S1", "0")]
    buyer.order("B1", "1", 60, "100.00")
    reports += [buyer.er("B1", "0"), buyer.er("B1", "F"), seller.er("S1", "F")]
    buyer.order("B2", "1", 40, "100.00", symbol="AAPL")
    reports += [buyer.er("B2", "0"), buyer.er("B2", "F"), seller.er("S1", "F")]
    return reports


def expect_copies(dc: Party, originals: list[Msg], timeout: float = 10.0) -> list[Msg]:
    copies = []
    for m in originals:
        c = dc.expect(
            lambda x, m=m: x.type == "8" and x.get(17) == m[17], f"copy of ExecID {m[17]}", timeout
        )
        assert c[797] == "Y", c
        assert body(c) == [*body(m), (797, "Y")], (c, m)
        copies.append(c)
    return copies


def test_every_report_of_both_firms_is_copied_with_797(venue) -> None:
    buyer, seller, dcs = venue("DROPCOPY")
    dc = dcs["DROPCOPY"]
    originals = trade(buyer, seller)
    copies = expect_copies(dc, originals)
    fills = [c for c in copies if c[150] == "F"]
    assert len(fills) == 4
    assert {c[1] for c in fills} == {buyer.account, seller.account}
    assert [(int(c[32]), c[31]) for c in fills] == [(60, "100.00")] * 2 + [(40, "100.00")] * 2
    assert dc.settle() == []  # nothing else: exactly one copy per report
    dc.order("DC1", "1", 10, "100.00")  # still read-only
    j = dc.msg("j", t372="D")
    assert j[380] == "6"


def test_drop_copy_logged_out_during_trading_gets_the_missed_copies_by_resend(venue) -> None:
    buyer, seller, dcs = venue("DROPCOPY")
    dc = dcs["DROPCOPY"]
    seller.order("S0", "2", 5, "101.00")
    expect_copies(dc, [seller.er("S0", "0")])
    dc.qf.session.logout("going away")
    dc.qf.wait_kind("logout", timeout=10)
    originals = trade(buyer, seller)
    dc.settle(0.5)
    assert [m for m in dc.inbox if m.type == "8"] == []  # nothing while logged out
    dc.qf.session.logon()
    dc.qf.wait_kind("logon", timeout=15)
    copies = expect_copies(dc, originals, timeout=15)
    assert all(c.get(43) == "Y" for c in copies), "missed copies come back as PossDup resends"
    seqs = sorted(c.seq for c in copies)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # one gap-free run, none twice
    assert dc.settle() == []


def test_trade_capture_reports_and_entitlement_by_firm(venue) -> None:
    buyer, seller, dcs = venue("TCR", "DCONE")
    tcr, one = dcs["TCR"], dcs["DCONE"]
    originals = trade(buyer, seller)
    fills = [m for m in originals if m[150] == "F"]
    for qty, (bfill, sfill) in zip(
        (60, 40), ((fills[0], fills[1]), (fills[2], fills[3])), strict=True
    ):
        assert bfill[527] == sfill[527]
        ae = tcr.msg("AE", t571=bfill[527])
        assert (ae[570], ae[55], int(ae[32]), ae[31]) == ("N", "AAPL", qty, "100.00")
        assert ae[75] == ae[60][:8] and ae[880] == ae[571]
        sides = ae.entries(552, 54)
        assert [(s[54], s[37], s[1], s[448]) for s in sides] == [
            ("1", bfill[37], buyer.account, f"FIRM{buyer.account[3:]}"),
            ("2", sfill[37], seller.account, f"FIRM{seller.account[3:]}"),
        ]
    assert tcr.settle() == []  # no ExecutionReport copies on a trade-capture session
    # DCONE is entitled to the buyer's firm only: the buyer's reports, none of the seller's
    expect_copies(one, [m for m in originals if m[1] == buyer.account])
    assert one.settle() == []
