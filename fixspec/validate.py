"""Validation of a parsed message against the FIX 4.4 data dictionary.

Role: name the first problem of a message with its SessionRejectReason(373) and RefTagID(371)
so the session can answer with a Reject(3). Header checks that need session context
(CompID, SendingTime accuracy, BeginString) are separate functions used by the session.

Invariants:
- One pass over the fields in message order, then the required-field checks; each field is
  checked in this order: known tag (0/3), non-empty (4), format (6), enum (5), placement
  (14 header/body/trailer order, 2 not in this message type), repetition (13), groups
  (15 out of order, 16 count). Required fields missing (1) come last: header, then body.
- Tables are precomputed per message type; per message the only allocation is the set of
  tags seen (for 13).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from fixspec.codec import FixMessage
from fixspec.dictionary import FIELDS, HEADER, MESSAGES, TRAILER, FieldDef, GroupDef, MessageDef
from fixspec.enums import SessionRejectReason as R
from fixspec.utctime import parse_timestamp

__all__ = [
    "REASON_TEXT",
    "Validator",
    "Violation",
    "check_comp_ids",
    "check_sending_time",
    "validate",
]

REASON_TEXT: Final[dict[R, str]] = {
    R.INVALID_TAG_NUMBER: "Invalid tag number",
    R.REQUIRED_TAG_MISSING: "Required tag missing",
    R.TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE: "Tag not defined for this message type",
    R.UNDEFINED_TAG: "Undefined Tag",
    R.TAG_SPECIFIED_WITHOUT_A_VALUE: "Tag specified without a value",
    R.VALUE_IS_INCORRECT: "Value is incorrect (out of range) for this tag",
    R.INCORRECT_DATA_FORMAT_FOR_VALUE: "Incorrect data format for value",
    R.COMP_ID_PROBLEM: "CompID problem",
    R.SENDING_TIME_ACCURACY_PROBLEM: "SendingTime accuracy problem",
    R.INVALID_MSG_TYPE: "Invalid MsgType",
    R.TAG_APPEARS_MORE_THAN_ONCE: "Tag appears more than once",
    R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER: "Tag specified out of required order",
    R.REPEATING_GROUP_FIELDS_OUT_OF_ORDER: "Repeating group fields out of order",
    R.INCORRECT_NUM_IN_GROUP_COUNT_FOR_REPEATING_GROUP: (
        "Incorrect NumInGroup count for repeating group"
    ),
}


@dataclass(frozen=True, slots=True)
class Violation:
    reason: R
    ref_tag: int | None
    text: str


def _v(reason: R, tag: int | None) -> Violation:
    return Violation(reason, tag, REASON_TEXT[reason])


_HEADER_TAGS: Final = HEADER.body
_TRAILER_TAGS: Final = TRAILER.body
_HEADER_GROUPS: Final = HEADER.groups
_HEADER_REQUIRED: Final = tuple(t for t in HEADER.required if t not in (8, 9, 35))
_USER_RANGE: Final = range(5000, 10000)

#: Per message type: tag -> (zone, value checker), required tags, group count tags.
_Check = Callable[[bytes], object]
_FastSpec = tuple[dict[int, tuple[int, _Check]], frozenset[int], frozenset[int]]


class Validator:
    """Validates messages against FIX 4.4, optionally extended with user-defined fields.

    Without ``user_fields`` every tag outside FIX 4.4 is an invalid tag number (373=0). With
    them, the declared fields are accepted in any body and an undeclared tag in the
    user-defined range 5000-9999 is an undefined tag (373=3).
    """

    __slots__ = ("_fast", "_fields", "_messages", "_specs", "_user_range", "_user_tags")

    def __init__(self, user_fields: Mapping[int, FieldDef] | None = None) -> None:
        self._fields: dict[int, FieldDef] = dict(FIELDS)
        self._user_tags: frozenset[int] = frozenset()
        self._user_range = user_fields is not None
        if user_fields:
            self._fields.update(user_fields)
            self._user_tags = frozenset(user_fields)
        self._messages = {mt.encode(): m for mt, m in MESSAGES.items()}
        self._specs: dict[str, dict[int, tuple[FieldDef, int, GroupDef | None]]] = {}
        self._fast: dict[str, _FastSpec] = {}

    def validate(self, msg: FixMessage) -> Violation | None:
        pairs = msg.pairs
        n = len(pairs)
        if n < 4 or pairs[0][0] != 8 or pairs[1][0] != 9 or pairs[2][0] != 35:
            return _v(R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER, pairs[min(n, 3) - 1][0] if n else 8)
        mdef = self._messages.get(pairs[2][1])
        if mdef is None:
            return _v(R.INVALID_MSG_TYPE, 35)
        fast = self._fast.get(mdef.msg_type)
        if fast is None:
            fast = self._fast_spec(mdef)
        # Fast accept: no repeated tag, no repeating group, every required tag present; then
        # per field: known here, non-empty, well formed and enumerated, in header/body/trailer
        # order. A message failing any of it is walked field by field below, which names its
        # first problem. (A plain loop: compiled, it beats zip/map/sorted over the pairs.)
        first = msg._first
        entries, required, group_tags = fast
        if len(first) == n and required <= first.keys() and group_tags.isdisjoint(first):
            region = 0
            for i in range(3, n):
                tag, value = pairs[i]
                entry = entries.get(tag)
                if entry is None or not value:
                    break
                zone, check = entry
                if zone < region or not check(value):
                    break
                region = zone
            else:
                return None
        return self._walk(msg, mdef)

    def _walk(self, msg: FixMessage, mdef: MessageDef) -> Violation | None:
        pairs = msg.pairs
        n = len(pairs)
        spec = self._spec(mdef)
        fields = self._fields
        seen: set[int] = set()
        region = 0  # 0 header, 1 body, 2 trailer
        i = 3
        while i < n:
            tag, value = pairs[i]
            entry = spec.get(tag)
            if entry is None:
                fd = fields.get(tag)
                if fd is None:
                    return self._unknown(tag)
                if not value:
                    return _v(R.TAG_SPECIFIED_WITHOUT_A_VALUE, tag)
                return _v(R.TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE, tag)
            fd, zone, group = entry
            if not value:
                return _v(R.TAG_SPECIFIED_WITHOUT_A_VALUE, tag)
            if fd.check is not None and not fd.check(value):
                return _v(R.INCORRECT_DATA_FORMAT_FOR_VALUE, tag)
            if fd.values is not None and not fd.enum_ok(value):
                return _v(R.VALUE_IS_INCORRECT, tag)
            if zone != region:
                if zone < region:
                    return _v(R.TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER, tag)
                region = zone
            if tag in seen and (mdef.has_layout or zone != 1):
                return _v(R.TAG_APPEARS_MORE_THAN_ONCE, tag)
            seen.add(tag)
            i += 1
            if group is not None:
                i, violation = self._group(pairs, i, group, int(value))
                if violation is not None:
                    return violation
        for tag in _HEADER_REQUIRED:
            if tag not in seen:
                return _v(R.REQUIRED_TAG_MISSING, tag)
        for tag in mdef.required:
            if tag not in seen:
                return _v(R.REQUIRED_TAG_MISSING, tag)
        if 10 not in seen:
            return _v(R.REQUIRED_TAG_MISSING, 10)
        return None

    def _spec(self, mdef: MessageDef) -> dict[int, tuple[FieldDef, int, GroupDef | None]]:
        """Per message type: tag -> (field, zone 0/1/2 header/body/trailer, group), cached."""
        spec = self._specs.get(mdef.msg_type)
        if spec is None:
            spec = {}
            for tag in mdef.body | self._user_tags:
                spec[tag] = (self._fields[tag], 1, mdef.groups.get(tag))
            for tag in _TRAILER_TAGS:
                spec[tag] = (self._fields[tag], 2, None)
            for tag in _HEADER_TAGS:
                spec[tag] = (self._fields[tag], 0, _HEADER_GROUPS.get(tag))
            self._specs[mdef.msg_type] = spec
        return spec

    def _fast_spec(self, mdef: MessageDef) -> _FastSpec:
        spec = self._spec(mdef)
        entries = {tag: (zone, _checker(fd)) for tag, (fd, zone, _) in spec.items()}
        required = frozenset(_HEADER_REQUIRED) | frozenset(mdef.required) | {10}
        group_tags = frozenset(t for t, (_, _, g) in spec.items() if g is not None)
        fast = (entries, required, group_tags)
        self._fast[mdef.msg_type] = fast
        return fast

    def _unknown(self, tag: int) -> Violation:
        if self._user_range and tag in _USER_RANGE:
            return _v(R.UNDEFINED_TAG, tag)
        return _v(R.INVALID_TAG_NUMBER, tag)

    def _group(
        self, pairs: list[tuple[int, bytes]], i: int, g: GroupDef, count: int
    ) -> tuple[int, Violation | None]:
        """Walk the entries of group ``g`` starting at ``i``; return where it ends."""
        n = len(pairs)
        fields = self._fields
        position = g.position
        required = g.required
        entries = 0
        last = -1
        present: set[int] = set()
        while i < n:
            tag, value = pairs[i]
            p = position.get(tag)
            if p is None:
                break
            fd = fields[tag]
            if not value:
                return i, _v(R.TAG_SPECIFIED_WITHOUT_A_VALUE, tag)
            if fd.check is not None and not fd.check(value):
                return i, _v(R.INCORRECT_DATA_FORMAT_FOR_VALUE, tag)
            if fd.values is not None and not fd.enum_ok(value):
                return i, _v(R.VALUE_IS_INCORRECT, tag)
            if p == 0:
                if entries and required:
                    missing = _first_missing(required, present)
                    if missing is not None:
                        return i, _v(R.REQUIRED_TAG_MISSING, missing)
                    present.clear()
                entries += 1
            elif entries == 0 or p <= last:
                return i, _v(R.REPEATING_GROUP_FIELDS_OUT_OF_ORDER, tag)
            last = p
            if required:
                present.add(tag)
            i += 1
            sub = g.groups.get(tag)
            if sub is not None:
                i, violation = self._group(pairs, i, sub, int(value))
                if violation is not None:
                    return i, violation
        if entries and required:
            missing = _first_missing(required, present)
            if missing is not None:
                return i, _v(R.REQUIRED_TAG_MISSING, missing)
        if entries != count:
            return i, _v(R.INCORRECT_NUM_IN_GROUP_COUNT_FOR_REPEATING_GROUP, g.count_tag)
        return i, None


def _checker(fd: FieldDef) -> Callable[[bytes], object]:
    """One callable, truthy when a non-empty value is well formed and (if enumerated) one
    of the values: the format check then the enum check of ``Validator._walk``."""
    check, values = fd.check, fd.values
    if values is None:
        return bool if check is None else check
    if not fd.multiple and (check is None or all(check(v) for v in values)):
        return values.__contains__
    enum_ok = fd.enum_ok
    if check is None:
        return enum_ok
    return lambda v: check(v) and enum_ok(v)


def _first_missing(required: tuple[int, ...], present: set[int]) -> int | None:
    for tag in required:
        if tag not in present:
            return tag
    return None


validate = Validator().validate


def check_comp_ids(msg: FixMessage, our_comp_id: bytes, their_comp_id: bytes) -> Violation | None:
    """SenderCompID(49) must be theirs and TargetCompID(56) ours (373=9)."""
    if msg.get(49) != their_comp_id:
        return _v(R.COMP_ID_PROBLEM, 49)
    if msg.get(56) != our_comp_id:
        return _v(R.COMP_ID_PROBLEM, 56)
    return None


def check_sending_time(msg: FixMessage, now: float, tolerance: float) -> Violation | None:
    """SendingTime(52) within ``tolerance`` seconds of ``now`` (373=10); a PossDup message's
    OrigSendingTime(122), when present, must not be later than its SendingTime."""
    raw = msg.get(52)
    sending = None if raw is None else parse_timestamp(raw)
    if sending is None:
        return _v(R.REQUIRED_TAG_MISSING if raw is None else R.INCORRECT_DATA_FORMAT_FOR_VALUE, 52)
    if abs(sending - now) > tolerance:
        return _v(R.SENDING_TIME_ACCURACY_PROBLEM, 52)
    orig = msg.get(122)
    if orig is not None:
        orig_t = parse_timestamp(orig)
        if orig_t is None:
            return _v(R.INCORRECT_DATA_FORMAT_FOR_VALUE, 122)
        if orig_t > sending:
            return _v(R.SENDING_TIME_ACCURACY_PROBLEM, 122)
    return None
