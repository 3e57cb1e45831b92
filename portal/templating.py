"""Jinja filters and globals shared by every template."""

from urllib.parse import urlencode

from flask import current_app, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from . import availability, i18n
from .schedule import Status
from .urls import external_url


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    # url_for's own keywords (_external, _anchor…) and the path's arguments are not the query's to set.
    args = {key: value for key, value in request.args.to_dict().items()
            if not key.startswith("_") and key not in (request.view_args or {})}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    if request.endpoint is None:  # an error page for an unknown URL
        return request.path + ("?" + urlencode(args) if args else "")
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def once(macro, *args):
    """A macro's output for these (hashable) arguments, rendered once per request: a list of a
    hundred units shows a handful of distinct status lines."""
    cache = availability.per_request("macro_output")
    key = (macro, args)  # the macro itself: two templates may have macros of the same name
    found = cache.get(key)
    if found is None:
        found = cache[key] = macro(*args)
    return found


def csrf_header() -> bool:
    """Whether the page sends the CSRF token with every htmx request (``hx-headers``): staff
    pages, and visitors who already have a session. An anonymous public page must not create a
    session (it would make the page uncacheable); its forms carry their own token field."""
    return request.blueprint in ("admin", "auth") or "csrf_token" in session


def register(app) -> None:
    app.jinja_env.filters.update(i18n.FILTERS)
    app.jinja_env.filters["explain"] = availability.explain
    app.jinja_env.filters["hours"] = availability.hours_text
    app.jinja_env.globals.update(
        url_with=url_with,
        once=once,
        Status=Status,
        STATUS_LABELS=availability.STATUS_LABELS,
        STATUS_SHORT=availability.STATUS_SHORT,
        status_words=availability.status_words,
        STATUS_ICONS=availability.STATUS_ICONS,
        phase_name=availability.phase_name,
        phase_rule_text=availability.phase_rule_text,
        phase_dates=availability.phase_dates,
        external_url=external_url,
        main_nav=lambda: nav_items(MAIN_NAV),
        footer_nav=lambda: nav_items(FOOTER_NAV),
        csrf_header=csrf_header,
    )
    app.after_request(i18n.remember_language)

    @app.context_processor
    def inject_common():
        return {
            "current_lang": str(get_locale() or "id"),
            "show_demo_banner": current_app.config["SHOW_DEMO_BANNER"],
        }


# Menu entries; an entry shows once its blueprint is registered.
MAIN_NAV = (
    ("public.index", _l("Today")),
    ("public.grid", _l("Schedule")),
    ("reports.new", _l("Report a disruption")),
    ("reports.index", _l("Reports")),
    ("statistik.index", _l("Statistics")),
)
FOOTER_NAV = (
    ("api.docs", _l("Open data API")),
    ("open311.discovery", _l("Open311 API")),
)


# Pages that belong to a menu entry's section, so the menu still says where the reader is.
SECTIONS = {
    "public.index": {"public.unit"},
    "reports.new": {"reports.track", "reports.find"},
}


def nav_items(entries):
    items = []
    for endpoint, label in entries:
        if endpoint in current_app.view_functions:
            current = ("page" if request.endpoint == endpoint
                       else "true" if request.endpoint in SECTIONS.get(endpoint, ()) else None)
            items.append({"url": url_for(endpoint), "label": label, "current": current})
    return items
