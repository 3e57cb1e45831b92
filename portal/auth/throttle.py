"""Login throttling that cannot be turned against staff.

Failed sign-ins are counted per account and network address, and per address; beyond
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS (or LOGIN_FAILURES_PER_ADDRESS) that address waits until
the window ends. There is no account-wide lock: a stranger guessing passwords delays only
himself, and the owner signs in from her own address as usual. Unknown e-mail addresses are
counted the same way, so the throttle says nothing about which accounts exist. Counters live in
the rate-limit storage (shared by every worker, see portal/ratelimit.py); a city admin clears
them with "unlock" (a new ``User.throttle_epoch`` starts fresh counters on every address).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from ..extensions import limiter

ACCOUNT_AND_ADDRESS = "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"
ADDRESS = "LOGIN_FAILURES_PER_ADDRESS"


class Attempt:
    """One sign-in attempt: who it names (e-mail, normalised) and where it comes from."""

    def __init__(self, email: str, epoch: int = 0):
        account = hashlib.sha256(email.encode()).hexdigest()[:32]  # no e-mail address in the storage
        self.address = get_remote_address() or "unknown"
        self.counters = [
            *((item, ("login-failure", account, str(epoch), self.address)) for item in limits(ACCOUNT_AND_ADDRESS)),
            *((item, ("login-failure", self.address)) for item in limits(ADDRESS)),
        ]
        self.own = len(limits(ACCOUNT_AND_ADDRESS))  # the first counters belong to this account

    def wait(self) -> int | None:
        """Seconds this address must wait before trying this account again, or None."""
        if not active():
            return None
        strategy = limiter.limiter
        ends = [strategy.get_window_stats(item, *keys).reset_time
                for item, keys in self.counters if not strategy.test(item, *keys)]
        return max(1, math.ceil(max(ends) - time.time())) if ends else None

    def failed(self) -> bool:
        """Count a failure. True when this one starts a wait (worth an audit event)."""
        if not active():
            return False
        for item, keys in self.counters:
            limiter.limiter.hit(item, *keys)
        return self.wait() is not None

    def succeeded(self) -> None:
        """The right password: this address starts afresh for this account."""
        if active():
            for item, keys in self.counters[:self.own]:
                limiter.limiter.clear(item, *keys)


def limits(setting: str):
    return parse_many(current_app.config[setting])


def active() -> bool:
    return bool(limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True))
