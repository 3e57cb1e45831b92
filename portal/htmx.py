"""Fragment-or-page rendering for HTMX, on top of htmx-flask.

htmx-flask gives ``request.htmx``; this module decides when a fragment is wanted, renders the
same template's named block for it (jinja2-fragments, so page and fragment cannot drift apart),
sets ``Vary`` and answers htmx with ``HX-Redirect`` instead of a 302.
"""

from flask import redirect as flask_redirect
from flask import render_template, request
from htmx_flask import make_response
from jinja2_fragments.flask import render_block

VARY = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def wants_fragment() -> bool:
    """True for a plain htmx request: not boosted and not a history restore."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def add_vary(response):
    for header in VARY:
        response.vary.add(header)
    return response


def render(template: str, block: str | None = None, status: int = 200, push_url=None, **context):
    """The whole page, or only ``block`` of it when htmx asks for a fragment.

    ``status`` is the HTTP status code: pass a template variable of that name under another name."""
    if not isinstance(status, int):
        raise TypeError("render(status=...) is the HTTP status code, not a template variable")
    if block and wants_fragment():
        body = render_block(template, block, **context)
        response = make_response(body, status, push_url=push_url)
    else:
        response = make_response(render_template(template, **context), status)
    return add_vary(response)


def redirect(location: str, code: int = 303):
    """A redirect that htmx follows as a full navigation (HX-Redirect), a 303 otherwise."""
    if getattr(request, "htmx", None):
        return add_vary(make_response("", 204, redirect=location))
    return add_vary(flask_redirect(location, code))


def error_status() -> int:
    """The status of a form answered with its errors: 200 for htmx (which does not swap 4xx),
    400 for a plain POST."""
    return 200 if wants_fragment() else 400


def swap_elsewhere(template: str, block: str, target: str, trigger: dict | None = None, **context):
    """Answer an htmx request with ``block`` of a page, swapped into ``target`` instead of the
    element that asked (e.g. a dialog's form saved: refresh the table behind it)."""
    body = render_block(template, block, **context)
    response = make_response(body, 200, retarget=target, reswap="innerHTML",
                             trigger_after_settle=trigger)
    return add_vary(response)
