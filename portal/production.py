"""Production mode (PORTAL_ENV=production): settings that are fine on a laptop but unsafe on the
city's servers stop the app at start, with a message saying what to set.

- SECRET_KEY must be set explicitly (the random key kept in instance/ differs per machine) and
  have at least 32 characters;
- PUBLIC_URL must be set (links in mails, feeds and Open311 answers), as an https:// address;
- RATELIMIT_STORAGE_URI may not be memory:// when this instance runs more than one worker
  process (WEB_CONCURRENCY, which gunicorn.conf.py sets to the real number of workers): each
  worker would count on its own and the limits would be multiplied.
"""

from __future__ import annotations

import os

MODES = ("development", "production")
MIN_SECRET_KEY_LENGTH = 32


class UnsafeConfiguration(RuntimeError):
    """The app refuses to start in production with these settings."""


def worker_count() -> int:
    """Worker processes of this instance, as gunicorn.conf.py announces them (WEB_CONCURRENCY)."""
    try:
        return max(1, int(os.environ.get("WEB_CONCURRENCY", "1")))
    except ValueError:
        return 1


def problems(config, workers: int) -> list[str]:
    """What is unsafe about this configuration in production, each with what to set."""
    found = []
    key = config.get("SECRET_KEY")
    if not key:
        found.append("SECRET_KEY is not set: set SECRET_KEY to a random value of at least "
                     f"{MIN_SECRET_KEY_LENGTH} characters, the same on every instance "
                     "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))').")
    elif len(str(key)) < MIN_SECRET_KEY_LENGTH:
        found.append(f"SECRET_KEY has {len(str(key))} characters: set SECRET_KEY to a random value of "
                     f"at least {MIN_SECRET_KEY_LENGTH} characters.")
    public_url = config.get("PUBLIC_URL")
    if not public_url:
        found.append("PUBLIC_URL is not set: set FLASK_PUBLIC_URL to the portal's public address, "
                     "e.g. https://layanan.bekasikota.go.id (no trailing slash).")
    elif not str(public_url).startswith("https://"):
        found.append(f"PUBLIC_URL is {public_url!r}: in production it must be an https:// address.")
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if storage.startswith("memory://") and workers > 1:
        found.append(f"RATELIMIT_STORAGE_URI is memory:// with {workers} worker processes: each would "
                     "keep its own counters. Set RATELIMIT_STORAGE_URI=redis://HOST:6379 (shared by "
                     "every worker and instance), or run one worker (WEB_CONCURRENCY=1).")
    return found


def check(config, workers: int | None = None) -> None:
    """Raise UnsafeConfiguration listing every problem when in production mode."""
    mode = config.get("PORTAL_ENV") or "development"
    if mode not in MODES:
        raise UnsafeConfiguration(f"PORTAL_ENV is {mode!r}: set it to production or development.")
    if mode != "production":
        return
    found = problems(config, worker_count() if workers is None else workers)
    if found:
        raise UnsafeConfiguration("Portal Layanan refuses to start in production (PORTAL_ENV=production):\n- "
                                  + "\n- ".join(found))
