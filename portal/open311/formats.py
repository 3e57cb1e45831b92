"""Open311 answers in JSON or XML (by the URL's suffix), and the specification's error format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime

from flask import Response, request

# The element name of one item of each list in the XML form.
ITEMS = {
    "service_requests": "request",
    "services": "service",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}
MIMETYPES = {"json": "application/json", "xml": "text/xml"}


def plain(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)  # lazy translations


def element(tag: str, value) -> ET.Element:
    node = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            node.append(element(key, item))
    elif isinstance(value, list):
        for item in value:
            node.append(element(ITEMS.get(tag, "item"), item))
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)
    return node


def respond(fmt: str, root: str, value, status: int = 200) -> Response:
    """``value`` as JSON, or as XML under the element ``root``."""
    value = plain(value)
    if fmt == "xml":
        body = ET.tostring(element(root, value), encoding="utf-8", xml_declaration=True)
    else:
        body = json.dumps(value, ensure_ascii=False, indent=None).encode("utf-8")
    response = Response(body, status=status, mimetype=MIMETYPES[fmt])
    response.charset = "utf-8"
    return response


def request_format() -> str:
    """The format asked for by the URL's suffix (JSON unless it is .xml)."""
    fmt = (request.view_args or {}).get("fmt") if request.view_args else None
    if fmt in MIMETYPES:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def error_response(status: int, descriptions: list[str]) -> Response:
    """The specification's errors: a list of {code, description}."""
    errors = [{"code": status, "description": description} for description in descriptions]
    return respond(request_format(), "errors", errors, status)
