"""The IKM as it is published: one table of rows (scope × phase × split) built once and shown by
/statistik, written as CSV (and, later, .xlsx) and answered by /api/v1/ikm; the unit page's and the
OPD page's figures. Only aggregates: never a profile field, never a suggestion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import ikm, schedule, stats
from ..availability import phase_name
from ..clock import today
from ..extensions import db
from ..models import Opd, ServiceUnit
from . import service

# The columns of the IKM table (CSV header, API field names).
COLUMNS = ("scope", "opd", "unit", "name", "phase", "period_start", "period_end", "split", "respondents",
           "ikm", "grade", *(f"nrr_{key}" for key in ikm.ELEMENTS), "note")


def min_sample() -> int:
    return int(current_app.config["SURVEY_MIN_SAMPLE"])


def summary(start: date, end: date, *, opd: Opd | None = None, unit: ServiceUnit | None = None,
            all_phases: Sequence[schedule.Phase] | None = None) -> ikm.Summary:
    """The IKM of the city, every OPD (and each unit of a chosen OPD) over the range and per phase.
    ``all_phases``: every policy phase, when the caller has read them already."""
    phases = ikm.phases_in(stats.load_phases() if all_phases is None else all_phases, start, end)
    units = opd is not None or unit is not None
    groups = service.load_groups(start, end, phases, opd_id=opd.id if opd else None,
                                 unit_id=unit.id if unit else None, units=units)
    return ikm.summarize_groups(groups, start=start, end=end, phases=phases, min_sample=min_sample(), units=units)


@dataclass(frozen=True)
class Row:
    scope: str
    slug: str  # the OPD's or unit's slug; "" for the city
    opd: str  # the OPD's slug ("" for the city)
    name: str
    phase: str  # "" for the whole range
    period_start: date
    period_end: date
    split: str
    index: ikm.Index

    def as_dict(self) -> dict:
        x = self.index
        return {
            "scope": self.scope, "opd": self.opd, "unit": self.slug if self.scope == ikm.UNIT else "",
            "name": self.name, "phase": self.phase, "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(), "split": self.split, "respondents": x.respondents,
            "ikm": round(x.ikm, 2) if x.ikm is not None else None, "grade": x.grade,
            **{f"nrr_{key}": round(value, 3) if value is not None else None
               for key, value in zip(ikm.ELEMENTS, x.nrr)},
            "note": x.reason or "",
        }


def scopes(s: ikm.Summary, city_name: str, opd: Opd | None = None,
           unit: ServiceUnit | None = None) -> list[tuple[str, int, str, str, str]]:
    """(scope, id, slug, OPD slug, name) of the table's scopes: the city (or the chosen OPD and its
    units, or the chosen unit), then every OPD (or unit) with answers."""
    found: list[tuple[str, int, str, str, str]] = []
    if unit is not None:
        found.append((ikm.UNIT, unit.id, unit.slug, unit.opd.slug, unit.name))
    elif opd is not None:
        found.append((ikm.OPD, opd.id, opd.slug, opd.slug, opd.short_name))
        present = {key.scope_id for key in s.indexes if key.scope == ikm.UNIT}
        for u in db.session.scalars(select(ServiceUnit).where(ServiceUnit.id.in_(present)).order_by(ServiceUnit.name)):
            found.append((ikm.UNIT, u.id, u.slug, opd.slug, u.name))
    else:
        found.append((ikm.CITY, 0, "", "", city_name))
        present = {key.scope_id for key in s.indexes if key.scope == ikm.OPD}
        for opd_id, slug, short_name in db.session.execute(
                select(Opd.id, Opd.slug, Opd.short_name).where(Opd.id.in_(present)).order_by(Opd.short_name)):
            found.append((ikm.OPD, opd_id, slug, slug, short_name))
    return found


def periods(s: ikm.Summary) -> list[tuple[int, str, date, date]]:
    """(phase id, phase name, first, last) of the whole range ("" for its name), then each phase."""
    found = [(ikm.WHOLE_RANGE, "", s.start, s.end)]
    for phase in s.phases:
        found.append((phase.id, phase_name(phase), max(phase.starts_on, s.start), min(phase.ends_on or s.end, s.end)))
    return found


def rows(s: ikm.Summary, city_name: str, opd: Opd | None = None, unit: ServiceUnit | None = None) -> list[Row]:
    """The table behind the page, the CSV and the API: every scope (``scopes``), over the range
    and per phase, every split."""
    every_period = periods(s)
    result = []
    for scope, scope_id, slug, opd_slug, name in scopes(s, city_name, opd, unit):
        for phase_id, phase_label, first, last in every_period:
            for split in ikm.SPLITS:
                result.append(Row(scope, slug, opd_slug, name, phase_label, first, last, split,
                                  s.get(scope, scope_id, phase_id, split)))
    return result


def table(s: ikm.Summary, city_name: str, opd: Opd | None = None,
          unit: ServiceUnit | None = None) -> tuple[tuple[str, ...], list[dict]]:
    """(columns, rows as dicts): what the CSV (and an .xlsx) writes and the API answers."""
    return COLUMNS, [row.as_dict() for row in rows(s, city_name, opd, unit)]


def default_range() -> tuple[date, date]:
    return stats.default_range(stats.load_phases(), today())


@dataclass(frozen=True)
class Overview:
    """The IKM of one unit or OPD for its page: whole range, WFH days vs other days, by mode."""

    start: date
    end: date
    splits: dict[str, ikm.Index]
    phases: list[tuple[str, ikm.Index]]
    min_sample: int

    @property
    def all(self) -> ikm.Index:
        return self.splits[ikm.ALL]


def overview(*, opd: Opd | None = None, unit: ServiceUnit | None = None) -> Overview:
    """The figures of a unit's or an OPD's page (over the statistics' default range)."""
    start, end = default_range()
    s = summary(start, end, opd=opd, unit=unit)
    scope, scope_id = (ikm.UNIT, unit.id) if unit is not None else (ikm.OPD, opd.id)
    return Overview(start, end, {split: s.get(scope, scope_id, split=split) for split in ikm.SPLITS},
                    [(phase_name(p), s.get(scope, scope_id, p.id)) for p in s.phases], s.min_sample)


def opd_ikm(opd: Opd) -> Overview:
    """For the OPD page (templates/survey/_opd_ikm.html)."""
    return overview(opd=opd)


def unit_ikm(unit: ServiceUnit) -> Overview:
    """For the unit page (templates/survey/_unit_ikm.html)."""
    return overview(unit=unit)
