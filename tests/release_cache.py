"""Every new app hashes the portal's code, templates, catalogs and static files for its release id
(portal/http_cache.py ``release_id``): about 220 files read per app, a sixth of ``create_app``.
The files do not change during a test run, so within a test process the id is computed once per
set of folders. If that function is renamed or changes shape, this steps aside."""

from __future__ import annotations

import inspect

from portal import http_cache

_original = getattr(http_cache, "release_id", None)
_ids: dict = {}


def _cached_release_id(app):
    key = (app.root_path, app.template_folder, app.static_folder)
    if key not in _ids:
        _ids[key] = _original(app)
    return _ids[key]


def install() -> None:
    if _original is not None and list(inspect.signature(_original).parameters) == ["app"]:
        http_cache.release_id = _cached_release_id
