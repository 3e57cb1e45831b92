"""Is this instance ready to serve: does the database answer, does every configured Redis answer?"""

from flask import current_app
from sqlalchemy import text

from ..extensions import db

REDIS_SCHEMES = ("redis://", "rediss://")
TIMEOUT_S = 2  # a hung server must not hang the load balancer's probe


def database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        current_app.logger.warning("readiness: database unavailable: %s", type(error).__name__)
        return "unavailable"
    return "ok"


def redis_urls(config) -> list[str]:
    """Every Redis the app is configured with: any setting whose value is a redis:// URL
    (RATELIMIT_STORAGE_URI, a cache URL, ...)."""
    return sorted({value for value in config.values()
                   if isinstance(value, str) and value.startswith(REDIS_SCHEMES)})


def redis_state(urls: list[str]) -> str:
    if not urls:
        return "not configured"
    import redis  # the "redis" extra; only needed when a redis:// URL is configured

    for url in urls:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        try:
            client.ping()
        except redis.RedisError as error:
            current_app.logger.warning("readiness: redis unavailable: %s", type(error).__name__)
            return "unavailable"
        finally:
            client.close()
    return "ok"


def check_all() -> dict[str, str]:
    return {"database": database_state(), "redis": redis_state(redis_urls(current_app.config))}
