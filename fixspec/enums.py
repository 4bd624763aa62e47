"""FIX 4.4 enumerations used by the gateway and the venue.

Facts from the FIX 4.4 specification; member names follow the specification's value
descriptions. String-valued fields are ``StrEnum`` (the wire value), integer-valued ones
``IntEnum``. :mod:`fixspec.dictionary` holds the full value sets of every field.
"""

from __future__ import annotations

import enum

__all__ = [
    "BusinessRejectReason",
    "CxlRejReason",
    "CxlRejResponseTo",
    "ExecType",
    "HandlInst",
    "MDEntryType",
    "MDReqRejReason",
    "MDUpdateAction",
    "MDUpdateType",
    "MsgType",
    "OrdRejReason",
    "OrdStatus",
    "OrdType",
    "SessionRejectReason",
    "Side",
    "SubscriptionRequestType",
    "TimeInForce",
    "TradSesStatus",
    "TradSesStatusRejReason",
]


class MsgType(enum.StrEnum):
    """MsgType(35)."""

    HEARTBEAT = "0"
    TEST_REQUEST = "1"
    RESEND_REQUEST = "2"
    REJECT = "3"
    SEQUENCE_RESET = "4"
    LOGOUT = "5"
    IOI = "6"
    ADVERTISEMENT = "7"
    EXECUTION_REPORT = "8"
    ORDER_CANCEL_REJECT = "9"
    LOGON = "A"
    NEWS = "B"
    EMAIL = "C"
    NEW_ORDER_SINGLE = "D"
    NEW_ORDER_LIST = "E"
    ORDER_CANCEL_REQUEST = "F"
    ORDER_CANCEL_REPLACE_REQUEST = "G"
    ORDER_STATUS_REQUEST = "H"
    ALLOCATION_INSTRUCTION = "J"
    LIST_CANCEL_REQUEST = "K"
    LIST_EXECUTE = "L"
    LIST_STATUS_REQUEST = "M"
    LIST_STATUS = "N"
    ALLOCATION_INSTRUCTION_ACK = "P"
    DONT_KNOW_TRADE = "Q"
    QUOTE_REQUEST = "R"
    QUOTE = "S"
    SETTLEMENT_INSTRUCTIONS = "T"
    MARKET_DATA_REQUEST = "V"
    MARKET_DATA_SNAPSHOT_FULL_REFRESH = "W"
    MARKET_DATA_INCREMENTAL_REFRESH = "X"
    MARKET_DATA_REQUEST_REJECT = "Y"
    QUOTE_CANCEL = "Z"
    QUOTE_STATUS_REQUEST = "a"
    MASS_QUOTE_ACKNOWLEDGEMENT = "b"
    SECURITY_DEFINITION_REQUEST = "c"
    SECURITY_DEFINITION = "d"
    SECURITY_STATUS_REQUEST = "e"
    SECURITY_STATUS = "f"
    TRADING_SESSION_STATUS_REQUEST = "g"
    TRADING_SESSION_STATUS = "h"
    MASS_QUOTE = "i"
    BUSINESS_MESSAGE_REJECT = "j"
    BID_REQUEST = "k"
    BID_RESPONSE = "l"
    LIST_STRIKE_PRICE = "m"
    XML_NON_FIX = "n"
    REGISTRATION_INSTRUCTIONS = "o"
    REGISTRATION_INSTRUCTIONS_RESPONSE = "p"
    ORDER_MASS_CANCEL_REQUEST = "q"
    ORDER_MASS_CANCEL_REPORT = "r"
    NEW_ORDER_CROSS = "s"
    CROSS_ORDER_CANCEL_REPLACE_REQUEST = "t"
    CROSS_ORDER_CANCEL_REQUEST = "u"
    SECURITY_TYPE_REQUEST = "v"
    SECURITY_TYPES = "w"
    SECURITY_LIST_REQUEST = "x"
    SECURITY_LIST = "y"
    DERIVATIVE_SECURITY_LIST_REQUEST = "z"
    DERIVATIVE_SECURITY_LIST = "AA"
    NEW_ORDER_MULTILEG = "AB"
    MULTILEG_ORDER_CANCEL_REPLACE = "AC"
    TRADE_CAPTURE_REPORT_REQUEST = "AD"
    TRADE_CAPTURE_REPORT = "AE"
    ORDER_MASS_STATUS_REQUEST = "AF"
    QUOTE_REQUEST_REJECT = "AG"
    RFQ_REQUEST = "AH"
    QUOTE_STATUS_REPORT = "AI"
    QUOTE_RESPONSE = "AJ"
    CONFIRMATION = "AK"
    POSITION_MAINTENANCE_REQUEST = "AL"
    POSITION_MAINTENANCE_REPORT = "AM"
    REQUEST_FOR_POSITIONS = "AN"
    REQUEST_FOR_POSITIONS_ACK = "AO"
    POSITION_REPORT = "AP"
    TRADE_CAPTURE_REPORT_REQUEST_ACK = "AQ"
    TRADE_CAPTURE_REPORT_ACK = "AR"
    ALLOCATION_REPORT = "AS"
    ALLOCATION_REPORT_ACK = "AT"
    CONFIRMATION_ACK = "AU"
    SETTLEMENT_INSTRUCTION_REQUEST = "AV"
    ASSIGNMENT_REPORT = "AW"
    COLLATERAL_REQUEST = "AX"
    COLLATERAL_ASSIGNMENT = "AY"
    COLLATERAL_RESPONSE = "AZ"
    COLLATERAL_REPORT = "BA"
    COLLATERAL_INQUIRY = "BB"
    NETWORK_COUNTERPARTY_SYSTEM_STATUS_REQUEST = "BC"
    NETWORK_COUNTERPARTY_SYSTEM_STATUS_RESPONSE = "BD"
    USER_REQUEST = "BE"
    USER_RESPONSE = "BF"
    COLLATERAL_INQUIRY_ACK = "BG"
    CONFIRMATION_REQUEST = "BH"


class Side(enum.StrEnum):
    """Side(54)."""

    BUY = "1"
    SELL = "2"
    BUY_MINUS = "3"
    SELL_PLUS = "4"
    SELL_SHORT = "5"
    SELL_SHORT_EXEMPT = "6"
    UNDISCLOSED = "7"
    CROSS = "8"
    CROSS_SHORT = "9"
    CROSS_SHORT_EXEMPT = "A"
    AS_DEFINED = "B"
    OPPOSITE = "C"
    SUBSCRIBE = "D"
    REDEEM = "E"
    LEND = "F"
    BORROW = "G"


class OrdType(enum.StrEnum):
    """OrdType(40)."""

    MARKET = "1"
    LIMIT = "2"
    STOP = "3"
    STOP_LIMIT = "4"
    WITH_OR_WITHOUT = "6"
    LIMIT_OR_BETTER = "7"
    LIMIT_WITH_OR_WITHOUT = "8"
    ON_BASIS = "9"
    PREVIOUSLY_QUOTED = "D"
    PREVIOUSLY_INDICATED = "E"
    FOREX_SWAP = "G"
    FUNARI = "I"
    MARKET_IF_TOUCHED = "J"
    MARKET_WITH_LEFT_OVER_AS_LIMIT = "K"
    PREVIOUS_FUND_VALUATION_POINT = "L"
    NEXT_FUND_VALUATION_POINT = "M"
    PEGGED = "P"


class TimeInForce(enum.StrEnum):
    """TimeInForce(59)."""

    DAY = "0"
    GOOD_TILL_CANCEL = "1"
    AT_THE_OPENING = "2"
    IMMEDIATE_OR_CANCEL = "3"
    FILL_OR_KILL = "4"
    GOOD_TILL_CROSSING = "5"
    GOOD_TILL_DATE = "6"
    AT_THE_CLOSE = "7"


class ExecType(enum.StrEnum):
    """ExecType(150)."""

    NEW = "0"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    REPLACED = "5"
    PENDING_CANCEL = "6"
    STOPPED = "7"
    REJECTED = "8"
    SUSPENDED = "9"
    PENDING_NEW = "A"
    CALCULATED = "B"
    EXPIRED = "C"
    RESTATED = "D"
    PENDING_REPLACE = "E"
    TRADE = "F"
    TRADE_CORRECT = "G"
    TRADE_CANCEL = "H"
    ORDER_STATUS = "I"


class OrdStatus(enum.StrEnum):
    """OrdStatus(39)."""

    NEW = "0"
    PARTIALLY_FILLED = "1"
    FILLED = "2"
    DONE_FOR_DAY = "3"
    CANCELED = "4"
    PENDING_CANCEL = "6"
    STOPPED = "7"
    REJECTED = "8"
    SUSPENDED = "9"
    PENDING_NEW = "A"
    CALCULATED = "B"
    EXPIRED = "C"
    ACCEPTED_FOR_BIDDING = "D"
    PENDING_REPLACE = "E"


class HandlInst(enum.StrEnum):
    """HandlInst(21)."""

    AUTOMATED_EXECUTION_NO_INTERVENTION = "1"
    AUTOMATED_EXECUTION_INTERVENTION_OK = "2"
    MANUAL_ORDER = "3"


class SessionRejectReason(enum.IntEnum):
    """SessionRejectReason(373)."""

    INVALID_TAG_NUMBER = 0
    REQUIRED_TAG_MISSING = 1
    TAG_NOT_DEFINED_FOR_THIS_MESSAGE_TYPE = 2
    UNDEFINED_TAG = 3
    TAG_SPECIFIED_WITHOUT_A_VALUE = 4
    VALUE_IS_INCORRECT = 5
    INCORRECT_DATA_FORMAT_FOR_VALUE = 6
    DECRYPTION_PROBLEM = 7
    SIGNATURE_PROBLEM = 8
    COMP_ID_PROBLEM = 9
    SENDING_TIME_ACCURACY_PROBLEM = 10
    INVALID_MSG_TYPE = 11
    XML_VALIDATION_ERROR = 12
    TAG_APPEARS_MORE_THAN_ONCE = 13
    TAG_SPECIFIED_OUT_OF_REQUIRED_ORDER = 14
    REPEATING_GROUP_FIELDS_OUT_OF_ORDER = 15
    INCORRECT_NUM_IN_GROUP_COUNT_FOR_REPEATING_GROUP = 16
    NON_DATA_VALUE_INCLUDES_FIELD_DELIMITER = 17
    OTHER = 99


class BusinessRejectReason(enum.IntEnum):
    """BusinessRejectReason(380)."""

    OTHER = 0
    UNKNOWN_ID = 1
    UNKNOWN_SECURITY = 2
    UNSUPPORTED_MESSAGE_TYPE = 3
    APPLICATION_NOT_AVAILABLE = 4
    CONDITIONALLY_REQUIRED_FIELD_MISSING = 5
    NOT_AUTHORIZED = 6
    DELIVER_TO_FIRM_NOT_AVAILABLE_AT_THIS_TIME = 7


class CxlRejReason(enum.IntEnum):
    """CxlRejReason(102)."""

    TOO_LATE_TO_CANCEL = 0
    UNKNOWN_ORDER = 1
    BROKER_CREDIT = 2
    ORDER_ALREADY_IN_PENDING_STATUS = 3
    UNABLE_TO_PROCESS_ORDER_MASS_CANCEL_REQUEST = 4
    ORIG_ORD_MOD_TIME = 5
    DUPLICATE_CL_ORD_ID = 6
    OTHER = 99


class CxlRejResponseTo(enum.StrEnum):
    """CxlRejResponseTo(434)."""

    ORDER_CANCEL_REQUEST = "1"
    ORDER_CANCEL = "2"


class OrdRejReason(enum.IntEnum):
    """OrdRejReason(103)."""

    BROKER_CREDIT = 0
    UNKNOWN_SYMBOL = 1
    EXCHANGE_CLOSED = 2
    ORDER_EXCEEDS_LIMIT = 3
    TOO_LATE_TO_ENTER = 4
    UNKNOWN_ORDER = 5
    DUPLICATE_ORDER = 6
    DUPLICATE_OF_A_VERBALLY_COMMUNICATED_ORDER = 7
    STALE_ORDER = 8
    TRADE_ALONG_REQUIRED = 9
    INVALID_INVESTOR_ID = 10
    UNSUPPORTED_ORDER_CHARACTERISTIC = 11
    INCORRECT_QUANTITY = 13
    INCORRECT_ALLOCATED_QUANTITY = 14
    UNKNOWN_ACCOUNT = 15
    OTHER = 99


class MDEntryType(enum.StrEnum):
    """MDEntryType(269)."""

    BID = "0"
    OFFER = "1"
    TRADE = "2"
    INDEX_VALUE = "3"
    OPENING_PRICE = "4"
    CLOSING_PRICE = "5"
    SETTLEMENT_PRICE = "6"
    TRADING_SESSION_HIGH_PRICE = "7"
    TRADING_SESSION_LOW_PRICE = "8"
    TRADING_SESSION_VWAP_PRICE = "9"
    IMBALANCE = "A"
    TRADE_VOLUME = "B"
    OPEN_INTEREST = "C"


class MDUpdateAction(enum.StrEnum):
    """MDUpdateAction(279)."""

    NEW = "0"
    CHANGE = "1"
    DELETE = "2"


class SubscriptionRequestType(enum.StrEnum):
    """SubscriptionRequestType(263)."""

    SNAPSHOT = "0"
    SNAPSHOT_AND_UPDATES = "1"
    DISABLE_PREVIOUS_SNAPSHOT = "2"


class MDReqRejReason(enum.StrEnum):
    """MDReqRejReason(281)."""

    UNKNOWN_SYMBOL = "0"
    DUPLICATE_MD_REQ_ID = "1"
    INSUFFICIENT_BANDWIDTH = "2"
    INSUFFICIENT_PERMISSIONS = "3"
    UNSUPPORTED_SUBSCRIPTION_REQUEST_TYPE = "4"
    UNSUPPORTED_MARKET_DEPTH = "5"
    UNSUPPORTED_MD_UPDATE_TYPE = "6"
    UNSUPPORTED_AGGREGATED_BOOK = "7"
    UNSUPPORTED_MD_ENTRY_TYPE = "8"
    UNSUPPORTED_TRADING_SESSION_ID = "9"
    UNSUPPORTED_SCOPE = "A"
    UNSUPPORTED_OPEN_CLOSE_SETTLE_FLAG = "B"
    UNSUPPORTED_MD_IMPLICIT_DELETE = "C"


class TradSesStatus(enum.IntEnum):
    """TradSesStatus(340)."""

    UNKNOWN = 0
    HALTED = 1
    OPEN = 2
    CLOSED = 3
    PRE_OPEN = 4
    PRE_CLOSE = 5
    REQUEST_REJECTED = 6


class MDUpdateType(enum.IntEnum):
    """MDUpdateType(265)."""

    FULL_REFRESH = 0
    INCREMENTAL_REFRESH = 1


class TradSesStatusRejReason(enum.IntEnum):
    """TradSesStatusRejReason(567)."""

    UNKNOWN_OR_INVALID_TRADING_SESSION_ID = 1
    OTHER = 99
