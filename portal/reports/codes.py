"""Tracking codes like ``BKS-7K4Q-2M9D``: short, unambiguous when read aloud, not guessable.

Pure (no Flask). The alphabet is Crockford's base 32 without 0 and 1 as well: no 0/O, 1/I/L,
and no U. Eight random symbols from ``secrets`` give 30**8 (about 6.6 * 10**11) codes.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = (4, 4)
LENGTH = sum(GROUPS)
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def new_code(prefix: str) -> str:
    """A fresh random code, e.g. ``BKS-7K4Q-2M9D``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(prefix, symbols)


def format_code(prefix: str, symbols: str) -> str:
    parts, start = [prefix], 0
    for size in GROUPS:
        parts.append(symbols[start:start + size])
        start += size
    return "-".join(parts)


def normalize(raw: str, prefix: str) -> str | None:
    """The canonical form of a code as typed by a person, or None when it cannot be one.

    Case does not matter, nor do missing or extra dashes and spaces; the prefix may be left out.
    """
    if not raw or len(raw) > 40:
        return None
    compact = _NOT_ALNUM.sub("", raw).upper()
    if compact.startswith(prefix.upper()) and len(compact) == len(prefix) + LENGTH:
        compact = compact[len(prefix):]
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return format_code(prefix, compact)
