"""The geometry of a shields-style status badge (``/unit/SLUG/badge.svg``): two coloured boxes,
a label on the left and a message on the right. Pure: text in, numbers out.

Widths are estimated from Verdana's advance widths at 11 px (the font shields.io badges use);
each text also gets ``textLength``, so a viewer with another font squeezes or stretches it to
the box instead of overflowing it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schedule import Status

HEIGHT = 20
PADDING = 6  # on each side of a text
MAX_LABEL = 40  # characters of the unit's name on a badge; the full name is in its <title>

LABEL_COLOUR = "#444"
# The dark status colours of static/css/portal.css: white text on them meets WCAG AA.
STATUS_COLOURS = {
    Status.OPEN: "#17622c",
    Status.LIMITED: "#6e4700",
    Status.ONLINE: "#0b4f94",
    Status.CLOSED: "#9b1024",
}
ERROR_COLOUR = "#9b1024"

# Approximate advance widths (px) of Verdana 11 px.
_NARROW = dict.fromkeys("il.,:;!|'`ıj", 3.5) | dict.fromkeys("frt()[]/-", 4.6) | {" ": 3.9}
_WIDE = dict.fromkeys("mw", 10.0) | dict.fromkeys("MW", 11.2) | {"—": 11.0, "…": 11.0}
_UPPER = 7.6
_OTHER = 6.6


def text_width(text: str) -> float:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += _NARROW[char]
        elif char in _WIDE:
            width += _WIDE[char]
        elif char.isupper():
            width += _UPPER
        else:
            width += _OTHER
    return round(width, 1)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.·—-")
    return cut + "…"


@dataclass(frozen=True)
class Box:
    x: float
    width: float
    text: str
    text_width: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Badge:
    label: Box
    message: Box
    colour: str

    @property
    def width(self) -> float:
        return round(self.label.width + self.message.width, 1)

    height = HEIGHT


def layout(label: str, message: str, colour: str) -> Badge:
    label_width, message_width = text_width(label), text_width(message)
    left = Box(0, round(label_width + 2 * PADDING, 1), label, label_width)
    right = Box(left.width, round(message_width + 2 * PADDING, 1), message, message_width)
    return Badge(left, right, colour)
