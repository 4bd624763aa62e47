"""Salted password hashes for session credentials (PBKDF2-HMAC-SHA256).

Role: the one definition of the stored hash format, used by the config loader (to reject a
malformed hash at startup), by the Logon check (``verify_password``) and by operators
(``python -m config.passwords``) to produce a hash for a config file.

Format: ``pbkdf2_sha256$<iterations>$<salt>$<64 hex digits>``. Plaintext passwords are never
stored. Verification compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sys

SCHEME = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000
_FORMAT = re.compile(r"pbkdf2_sha256\$([1-9][0-9]{0,9})\$([^$]+)\$([0-9a-f]{64})")


def hash_password(
    password: str, *, salt: str | None = None, iterations: int = DEFAULT_ITERATIONS
) -> str:
    """Hash ``password`` with a fresh random salt (or the given one)."""
    if salt is None:
        salt = secrets.token_hex(16)
    if "$" in salt or not salt:
        raise ValueError("salt must be non-empty and must not contain '$'")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"{SCHEME}${iterations}${salt}${digest.hex()}"


def format_problem(stored: str) -> str | None:
    """Why ``stored`` is not a valid hash string, or None when it is."""
    if _FORMAT.fullmatch(stored) is None:
        return f'expected "{SCHEME}$<iterations>$<salt>$<64 hex digits>"'
    return None


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the stored hash (False for a malformed hash)."""
    match = _FORMAT.fullmatch(stored)
    if match is None:
        return False
    iterations, salt, expected = int(match[1]), match[2], match[3]
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return hmac.compare_digest(digest.hex(), expected)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m config.passwords PASSWORD", file=sys.stderr)
        return 2
    print(hash_password(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
