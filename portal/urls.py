"""Absolute URLs that leave the portal (feeds, Open311, OpenAPI, iCal, e-mails).

They are built from the PUBLIC_URL setting, never from the request's Host header, which a
client chooses freely. Without PUBLIC_URL (development) the request's own URL root is used.
"""

from urllib.parse import urlsplit

from flask import current_app, request, url_for


def public_root() -> str:
    """The portal's public address without a trailing slash, e.g. https://layanan.bekasikota.go.id."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    return request.url_root.rstrip("/")


def public_host() -> str:
    """The host name of the public address (for identifiers such as iCal UIDs)."""
    return urlsplit(public_root()).hostname or "localhost"


def external_url(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL under the public address."""
    return public_root() + site_path(url_for(endpoint, **values))


def site_path(path: str) -> str:
    """A path inside the portal, without the prefix the WSGI server mounted it under (PUBLIC_URL
    already contains that prefix)."""
    root = request.script_root if current_app.config.get("PUBLIC_URL") else ""
    if root and path.startswith(root + "/"):
        return path[len(root):]
    return path
