"""fixspec validation: one test per SessionRejectReason(373) it produces."""

from __future__ import annotations

import pytest

from fixspec.codec import ParseError, parse
from fixspec.dictionary import FIELDS, MESSAGES, FieldDef, decimal_value
from fixspec.enums import SessionRejectReason as R
from fixspec.framing import checksum
from fixspec.validate import Validator, check_comp_ids, check_sending_time, validate

pytestmark = pytest.mark.timeout(30)

T = "20240102-03:04:05.678"
NOW = 1704164645.678  # the epoch seconds of T
HB = f"35=0|34=2|49=TW44|52={T}|56=ISLD|"
D = f"35=D|34=2|49=TW44|52={T}|56=ISLD|11=ID|21=1|40=1|54=1|38=100|55=X|60={T}|"


def msg(text: str) -> bytes:
    body = text.replace("|", "\x01").encode()
    head = b"8=FIX.4.4\x019=%d\x01" % len(body)
    return head + body + b"10=" + checksum(head + body) + b"\x01"


def check(text: str) -> tuple[int, int | None] | None:
    v = validate(parse(msg(text)))
    return None if v is None else (int(v.reason), v.ref_tag)


def test_valid_messages_pass() -> None:
    assert check(HB) is None
    assert check(D) is None
    assert check(D + "453=2|448=A|447=D|452=1|448=B|447=D|452=3|") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HB + "999=HI|", (R.INVALID_TAG_NUMBER, 999)),
        (HB + "0=HI|", (R.INVALID_TAG_NUMBER, 0)),
        (HB + "-1=HI|", (R.INVALID_TAG_NUMBER, -1)),
        (HB + "5000=HI|", (R.INVALID_TAG_NUMBER, 5000)),
        (f"35=0|34=2|49=TW44|52={T}|", (R.REQUIRED_TAG_MISSING, 56)),
        (D.replace("11=ID|", ""), (R.REQUIRED_TAG_MISSING, 11)),
        (HB + "55=MSFT|", (R.TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE, 55)),
        (f"35=0|34=2|49=TW44|52={T}|56=|", (R.TAG_SPECIFIED_WITHOUT_A_VALUE, 56)),
        (D.replace("21=1", "21=4"), (R.VALUE_IS_INCORRECT, 21)),
        (D + "167=BOO|", (R.VALUE_IS_INCORRECT, 167)),
        (D.replace("40=1", "40=Z"), (R.VALUE_IS_INCORRECT, 40)),
        (D.replace("38=100", "38=1x0"), (R.INCORRECT_DATA_FORMAT_FOR_VALUE, 38)),
        (D + "126=20240102|", (R.INCORRECT_DATA_FORMAT_FOR_VALUE, 126)),
        (HB.replace("35=0", "35=*"), (R.INVALID_MSG_TYPE, 35)),
        (D + "11=ID2|", (R.TAG_APPEARS_MORE_THAN_ONCE, 11)),
        (
            D.replace("56=ISLD|11=ID|", "11=ID|56=ISLD|"),
            (R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER, 56),
        ),
        (D + "453=2|448=A|452=1|447=D|", (R.REPEATING_GROUP_FIELDS_OUT_OF_ORDER, 447)),
        (D + "453=1|447=D|448=A|", (R.REPEATING_GROUP_FIELDS_OUT_OF_ORDER, 447)),
        (D + "453=3|448=A|448=B|", (R.INCORRECT_NUM_IN_GROUP_COUNT_FOR_REPEATING_GROUP, 453)),
    ],
)
def test_reasons(text: str, expected: tuple[int, int]) -> None:
    assert check(text) == (int(expected[0]), expected[1])


def test_trailer_before_body_is_out_of_order() -> None:
    raw = msg(HB + "93=1|89=x|112=A|")
    v = validate(parse(raw))
    assert v is not None and v.reason is R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER


def test_undefined_user_tag_with_user_fields() -> None:
    user = {5001: FieldDef(5001, "MyTag", "STRING", None, False, None)}
    v = Validator(user_fields=user).validate
    assert v(parse(msg(HB + "5001=x|"))) is None
    bad = v(parse(msg(HB + "5002=x|")))
    assert bad is not None and (bad.reason, bad.ref_tag) == (R.UNDEFINED_TAG, 5002)


def test_comp_id_problem() -> None:
    m = parse(msg(HB.replace("49=TW44", "49=WT")))
    v = check_comp_ids(m, b"ISLD", b"TW44")
    assert v is not None and (v.reason, v.ref_tag) == (R.COMP_ID_PROBLEM, 49)
    assert check_comp_ids(parse(msg(HB)), b"ISLD", b"TW44") is None


def test_sending_time_accuracy() -> None:
    m = parse(msg(HB))
    assert check_sending_time(m, NOW + 120, 120) is None
    v = check_sending_time(m, NOW + 121, 120)
    assert v is not None and v.reason is R.SENDING_TIME_ACCURACY_PROBLEM
    later = parse(msg(HB + "").replace(b"56=ISLD\x01", b"56=ISLD\x01122=20240102-03:05:00\x01"))
    v = check_sending_time(later, NOW, 120)
    assert v is not None and (v.reason, v.ref_tag) == (R.SENDING_TIME_ACCURACY_PROBLEM, 122)


def test_dictionary_facts() -> None:
    assert len(FIELDS) == 912
    assert FIELDS[44].type == "PRICE" and FIELDS[54].values is not None
    assert MESSAGES["D"].required[:1] == (11,)
    assert {"0", "1", "2", "3", "4", "5", "A", "D", "F", "G", "8", "j", "AE", "h"} <= set(
        mt for mt, m in MESSAGES.items() if m.has_layout
    )
    assert str(decimal_value(b"002000.00")) == "2000.00"


def test_parse_errors_are_garbled() -> None:
    with pytest.raises(ParseError):
        parse(b"8=FIX.4.4\x0149garbled\x01")
    with pytest.raises(ParseError):
        parse(b"8=FIX.4.4\x01x9=1\x01")
