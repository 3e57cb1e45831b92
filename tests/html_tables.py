"""Reading what a person reads on a page: the text of an element by id, the cells of a table,
one unit's row of the home page's list."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.texts: dict[str, list[str]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in VOID:
            return
        element_id = attrs.get("id")
        self.stack.append((tag, element_id))
        if element_id:
            self.texts.setdefault(element_id, [])
        if tag == "table" and element_id:
            self._table = element_id
            self.tables[element_id] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            open_tag, _id = self.stack.pop()
            if open_tag == tag:
                break
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        for _tag, element_id in self.stack:
            if element_id:
                self.texts[element_id].append(data)
        if self._cell is not None:
            self._cell.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def text(html: str, element_id: str) -> str:
    return " ".join("".join(parse(html).texts[element_id]).split())


def table(html: str, table_id: str) -> dict[str, list[str]]:
    """Rows of a table keyed by their first cell (the header row under "")."""
    rows = parse(html).tables[table_id]
    return {("" if i == 0 else row[0]): row[1:] for i, row in enumerate(rows)}


def unit_row(html: str, *, name: str | None = None, slug: str | None = None) -> str:
    """The home page's list item of one unit, found by its name or by the slug of its page."""
    link = rf'href="/unit/{re.escape(slug)}[^"]*">[^<]*' if slug else rf'href="[^"]*">{re.escape(name)}'
    found = re.search(rf'<li class="unit-row[^"]*">\s*<div class="unit-main">\s*'
                      rf'<a class="unit-name" {link}</a>.*?</li>', html, re.S)
    assert found, slug or name
    return found.group(0)
