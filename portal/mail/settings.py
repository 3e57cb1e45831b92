"""SMTP settings from the environment under their usual names (MAIL_SERVER, MAIL_PORT, ...),
besides Flask's FLASK_MAIL_… form."""

from __future__ import annotations

import os

TEXT = ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM")
NUMBERS = ("MAIL_PORT", "MAIL_TIMEOUT", "MAIL_MAX_ATTEMPTS", "MAIL_RETRY_SECONDS", "MAIL_RETRY_MAX_SECONDS")
FLAGS = ("MAIL_USE_TLS", "MAIL_USE_SSL")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


def from_environment(config, environ=os.environ) -> None:
    """Copy the MAIL_* variables that are set into ``config``; a malformed one stops the start."""
    for name in TEXT:
        if name in environ:
            config[name] = environ[name] or None
    for name in NUMBERS:
        if environ.get(name):
            try:
                config[name] = int(environ[name])
            except ValueError:
                raise RuntimeError(f"{name} must be a whole number, not {environ[name]!r}") from None
    for name in FLAGS:
        if name in environ:
            value = environ[name].strip().lower()
            if value not in TRUE + FALSE:
                raise RuntimeError(f"{name} must be true or false, not {environ[name]!r}")
            config[name] = value in TRUE
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        raise RuntimeError("Set MAIL_USE_TLS (STARTTLS) or MAIL_USE_SSL, not both")
