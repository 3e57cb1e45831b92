"""The range and filters of the statistics, read from the query string. Shared by /statistik,
its downloads and the JSON API (which names the same arguments in English)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import request
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import stats
from ..clock import today
from ..errors import bad_request
from ..extensions import db
from ..models import Opd, OutputIndicator
from ..params import date_arg, slug_arg

PAGE_ARGS = {"from": "dari", "to": "sampai", "opd": "opd", "indicator": "indikator", "sort": "urut"}
API_ARGS = {"from": "from", "to": "to", "opd": "opd", "indicator": "indicator", "sort": "sort"}


@dataclass(frozen=True)
class StatsQuery:
    start: date
    end: date
    opd: Opd | None
    indicator: str | None
    sort: str


def default_range() -> tuple[date, date]:
    return stats.default_range(stats.load_phases(), today())


def stats_query(names: dict[str, str]) -> StatsQuery:
    """Range, OPD, indicator and sort order; a 400 with a clear message for anything wrong."""
    start = date_arg(names["from"], None)
    end = date_arg(names["to"], None)
    if start is None or end is None:  # the phases' default range fills in what is missing
        first, last = default_range()
        if start is None:
            start = first if end is None or first <= end else end.replace(day=1)
        if end is None:
            end = last if last >= start else max(start, today())
    if end < start:
        bad_request(_("The end date %(end)s is before the start date %(start)s.", end=end.isoformat(),
                      start=start.isoformat()))
    if (end - start).days >= stats.MAX_RANGE_DAYS:
        bad_request(_("Choose a range of at most %(days)d days.", days=stats.MAX_RANGE_DAYS))
    opd = slug_arg(names["opd"], Opd, _("agency (OPD)"))
    indicator = request.args.get(names["indicator"], "").strip() or None
    if indicator is not None:
        known = len(indicator) <= 80 and db.session.scalar(
            select(OutputIndicator.id).filter_by(slug=indicator).limit(1)) is not None
        if not known:
            bad_request(_("Unknown %(label)s “%(value)s”.", label=_("output indicator"), value=indicator[:40]))
    sort = request.args.get(names["sort"], "").strip() or stats.DEFAULT_SORT
    if not stats.valid_sort(sort):
        bad_request(_("Unknown sort order “%(value)s”. Use one of: %(keys)s (with a leading - for "
                      "descending).", value=sort[:40], keys=", ".join(stats.SORT_KEYS)))
    return StatsQuery(start, end, opd, indicator, sort)


def indicator_choices(opd: Opd | None = None) -> list[tuple[str, str, str]]:
    """(slug, name, unit of measure) of the indicators in use, one line per slug."""
    query = (select(OutputIndicator.slug, func.min(OutputIndicator.name), func.min(OutputIndicator.unit_of_measure))
             .group_by(OutputIndicator.slug).order_by(func.min(OutputIndicator.name)))
    if opd is not None:
        query = query.where(OutputIndicator.opd_id == opd.id)
    return [tuple(row) for row in db.session.execute(query)]


def load(q: StatsQuery) -> stats.Statistics:
    """The one computation behind /statistik, /statistik.csv and /api/v1/statistics."""
    return stats.load(q.start, q.end, opd=q.opd, indicator_slug=q.indicator, sort=q.sort)
