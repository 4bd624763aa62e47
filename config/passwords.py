"""The stored password-hash format of session credentials, checked at load time.

Role: reject a malformed ``password_hash`` when the configuration is loaded, not at the first
Logon. Hashing and verification belong to the session layer (``gateway.session.auth``:
``hash_password`` / ``verify_password``); this module only knows the format they share.

Format: ``pbkdf2_sha256$<iterations>$<salt, hex>$<PBKDF2-HMAC-SHA256, 64 hex digits>``.
Plaintext passwords are never stored.
"""

from __future__ import annotations

import re

SCHEME = "pbkdf2_sha256"
_FORMAT = re.compile(r"pbkdf2_sha256\$([1-9][0-9]{0,9})\$((?:[0-9a-fA-F]{2})+)\$([0-9a-fA-F]{64})")
FORMAT_TEXT = f'"{SCHEME}$<iterations>$<salt hex>$<64 hex digits>"'


def format_problem(stored: str) -> str | None:
    """Why ``stored`` is not a valid hash string, or None when it is."""
    if _FORMAT.fullmatch(stored) is None:
        return f"expected {FORMAT_TEXT}"
    return None
