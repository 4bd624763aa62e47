"""fixspec: the FIX 4.4 data dictionary, framing, codec and validation.

Pure; imports no other project package. Modules: framing (BodyLength/CheckSum framing),
codec (fast parser, encoders), dictionary (+ data in fields44/messages44), enums, tags,
validate (Violation with SessionRejectReason and RefTagID), utctime.
"""
