"""Security headers for every response: a strict Content Security Policy (no inline scripts,
nothing from other origins), no framing, no MIME sniffing.

One exception to "no framing": the status card made for other sites (``/unit/SLUG/widget``)
may be framed by any site (``frame-ancestors *``, no ``X-Frame-Options``); every other answer
says ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``."""

from flask import has_request_context, request

# Endpoints other sites may put in an <iframe>.
FRAMABLE_ENDPOINTS = frozenset({"public.unit_widget"})

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
CSP_FRAMABLE = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


def framable() -> bool:
    return has_request_context() and request.endpoint in FRAMABLE_ENDPOINTS


def set_security_headers(response):
    headers = response.headers
    if framable():
        headers["Content-Security-Policy"] = CSP_FRAMABLE
        headers.pop("X-Frame-Options", None)
    else:
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    return response


def register(app) -> None:
    app.after_request(set_security_headers)
