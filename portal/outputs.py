"""Daily output records: the day's entry, the CSV import (dry run, all-or-nothing, idempotent),
output indicators and monthly operational cost. Every change is audited. No request here: the
staff pages and the ``import-outputs`` command call these functions, and the caller commits.

Re-importing: a row whose key (date, OPD, work mode, indicator) is already stored with the same
values stores nothing; with different values it is a correction and UPDATES the stored values.
The dry run lists such changes with the old and new values, and the audit trail keeps both.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import audit
from .csv_export import to_csv
from .extensions import db
from .i18n import medium_date, month_name, number
from .models import (AuditEvent, CostCategory, OperationalCost, Opd, OutputDay, OutputIndicator,
                     OutputQuantity, User, WorkMode)
from .workdays import is_working_day

# The import template and the open-data download share these columns, in this order.
CSV_COLUMNS = ("date", "opd", "mode", "indicator", "quantity", "staff_on_duty", "reports_due",
               "reports_submitted")
COLUMN_HELP = {
    "date": _l("Date of work, YYYY-MM-DD (DD/MM/YYYY is accepted too); today or earlier."),
    "opd": _l("Code (slug) of the agency, e.g. disdukcapil."),
    "mode": _l("Work mode: wfo (from the office) or wfh (from home)."),
    "indicator": _l("Code (slug) of one of the agency's output indicators."),
    "quantity": _l("Output of that indicator in that mode: a whole number, 0 or more."),
    "staff_on_duty": _l("Staff who worked in that mode that day: a whole number, at least 1."),
    "reports_due": _l("Daily performance reports due from those staff (at most the staff on duty)."),
    "reports_submitted": _l("Daily performance reports actually submitted (at most the reports due)."),
}
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COUNT = 1_000_000_000
MODE_LABELS = {WorkMode.WFO: _l("From the office (WFO)"), WorkMode.WFH: _l("From home (WFH)")}
COST_LABELS = {
    CostCategory.ELECTRICITY: _l("Electricity"),
    CostCategory.WATER: _l("Water"),
    CostCategory.FUEL: _l("Fuel"),
    CostCategory.CONSUMABLES: _l("Office consumables"),
}


# --- values shared by the form and the import -------------------------------------------------


def parse_count(raw: str, label: str) -> tuple[int | None, str | None]:
    """A whole number of 0 or more, or the reason it is not one."""
    text = raw.strip().replace(" ", "")
    if not text:
        return None, _("Column %(column)s is empty.", column=label)
    if re.fullmatch(r"-\d+", text):
        return None, _("Column %(column)s must not be negative (%(value)s).", column=label, value=text)
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is true, int("²") fails
        return None, _("Column %(column)s: “%(value)s” is not a whole number.", column=label, value=text[:20])
    value = int(text)
    if value > MAX_COUNT:
        return None, _("Column %(column)s: %(value)s is too large.", column=label, value=text[:20])
    return value, None


def parse_day(raw: str) -> date | None:
    """YYYY-MM-DD, or DD/MM/YYYY as spreadsheets in Indonesia write it."""
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None
    return None


def check_day_values(day: date, today: date, staff: int, due: int, submitted: int) -> list[tuple[str, str]]:
    """(field, problem) for what is wrong with a day's record: the same rules for the form and
    the import."""
    problems = []
    if day > today:
        problems.append(("day", _("The date %(date)s is in the future: output is recorded for today or "
                                  "earlier.", date=day.isoformat())))
    if staff < 1:
        problems.append(("staff_on_duty", _("Staff on duty must be at least 1.")))
    if due > staff:
        problems.append(("reports_due", _("Reports due (%(due)d) cannot be more than the staff on duty "
                                          "(%(staff)d).", due=due, staff=staff)))
    if submitted > due:
        problems.append(("reports_submitted", _("Reports submitted (%(submitted)d) cannot be more than the "
                                                "reports due (%(due)d).", submitted=submitted, due=due)))
    return problems


def opd_indicators(opd: Opd, active_only: bool = True) -> list[OutputIndicator]:
    query = select(OutputIndicator).filter_by(opd_id=opd.id).order_by(OutputIndicator.name)
    if active_only:
        query = query.where(OutputIndicator.active.is_(True))
    return list(db.session.scalars(query))


# --- the CSV import ---------------------------------------------------------------------------


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, columns, size)."""


@dataclass
class Row:
    """A valid line of the file."""

    line: int
    opd: Opd
    day: date
    mode: str
    indicator: OutputIndicator
    quantity: int
    staff_on_duty: int
    reports_due: int
    reports_submitted: int
    status: str = "new"  # new | changed | unchanged (compared with what is stored)
    before: dict | None = None  # the stored values a change replaces

    @property
    def day_key(self) -> tuple[int, date, str]:
        return (self.opd.id, self.day, self.mode)

    def values(self) -> dict:
        return {"quantity": self.quantity, "staff_on_duty": self.staff_on_duty,
                "reports_due": self.reports_due, "reports_submitted": self.reports_submitted}


@dataclass
class Rejected:
    line: int
    cells: list[str]
    reasons: list[str]


@dataclass
class ImportPlan:
    """What an import would store, and every line it rejects with the reasons."""

    filename: str
    sha256: str
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems of the whole file

    @property
    def ok(self) -> bool:
        return not self.errors and not self.rejected and bool(self.rows)

    def having(self, status: str) -> list[Row]:
        return [row for row in self.rows if row.status == status]

    @property
    def counts(self) -> dict[str, int]:
        return {status: len(self.having(status)) for status in ("new", "changed", "unchanged")} | {
            "rejected": len(self.rejected)}


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the non-empty lines (with their line numbers) of a CSV file."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(size)s MB. Split it into smaller files.",
                                size=MAX_BYTES // (1024 * 1024)))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("The file is not UTF-8 text. In your spreadsheet choose “Save as” → "
                                "“CSV UTF-8”.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        lines = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                lines.append((reader.line_num, cells))
            if len(lines) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(max)s lines. Split it into smaller "
                                        "files.", max=number(MAX_ROWS)))
    except csv.Error as error:
        raise ImportFileError(_("The file is not a valid CSV file (line %(line)d).",
                                line=reader.line_num)) from error
    columns = [name.strip().lower() for name in header]
    missing = [name for name in CSV_COLUMNS if name not in columns]
    unknown = [name for name in columns if name not in CSV_COLUMNS]
    doubled = sorted({name for name in columns if columns.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("Missing columns: %(columns)s.", columns=", ".join(missing)))
    if unknown:
        problems.append(_("Unknown columns: %(columns)s.", columns=", ".join(c or "(empty)" for c in unknown)))
    if doubled:
        problems.append(_("Columns given twice: %(columns)s.", columns=", ".join(doubled)))
    if problems:
        raise ImportFileError(" ".join(problems) + " " + _("The first line must be: %(header)s",
                                                           header=",".join(CSV_COLUMNS)))
    if not lines:
        raise ImportFileError(_("The file has a header but no data lines."))
    return columns, lines


def plan_import(data: bytes, filename: str, user: User | None, today: date) -> ImportPlan:
    """Check every line; compare the valid ones with what is stored. Stores nothing."""
    plan = ImportPlan(filename=filename[:200], sha256=hashlib.sha256(data).hexdigest())
    try:
        columns, lines = read_table(data)
    except ImportFileError as error:
        plan.errors.append(str(error))
        return plan

    opds = db.session.scalars(select(Opd)).all()
    opd_by_code = {opd.slug.lower(): opd for opd in opds}
    indicators = {(ind.opd_id, ind.slug.lower()): ind for ind in db.session.scalars(select(OutputIndicator))}
    first_key_line: dict[tuple, int] = {}
    day_values: dict[tuple, tuple[int, tuple[int, int, int]]] = {}

    for line, cells in lines:
        if len(cells) != len(columns):
            plan.rejected.append(Rejected(line, cells, [_("The line has %(found)d values instead of "
                                                          "%(expected)d.", found=len(cells),
                                                          expected=len(columns))]))
            continue
        raw = dict(zip(columns, cells, strict=True))
        reasons: list[str] = []
        day = parse_day(raw["date"])
        if day is None:
            reasons.append(_("“%(value)s” is not a valid date (use YYYY-MM-DD).", value=raw["date"].strip()[:20]))
        opd = opd_by_code.get(raw["opd"].strip().lower())
        if opd is None:
            reasons.append(_("Unknown agency (OPD) “%(value)s”.", value=raw["opd"].strip()[:40]))
        elif user is not None and not user.may_manage_opd(opd.id):
            reasons.append(_("You may only enter output for your own agency; this line is for %(opd)s.",
                             opd=opd.short_name))
        mode = raw["mode"].strip().lower()
        if mode not in (WorkMode.WFO, WorkMode.WFH):
            reasons.append(_("Unknown work mode “%(value)s”: use wfo or wfh.", value=raw["mode"].strip()[:10]))
        indicator = None
        if opd is not None:
            indicator = indicators.get((opd.id, raw["indicator"].strip().lower()))
            if indicator is None:
                reasons.append(_("%(opd)s has no output indicator “%(value)s”.", opd=opd.short_name,
                                 value=raw["indicator"].strip()[:40]))
        numbers = {}
        for name in ("quantity", "staff_on_duty", "reports_due", "reports_submitted"):
            numbers[name], problem = parse_count(raw[name], name)
            if problem:
                reasons.append(problem)
        if day is not None and None not in (numbers["staff_on_duty"], numbers["reports_due"],
                                            numbers["reports_submitted"]):
            reasons.extend(problem for _field, problem in check_day_values(
                day, today, numbers["staff_on_duty"], numbers["reports_due"], numbers["reports_submitted"]))
        if not reasons and opd is not None and indicator is not None and day is not None:
            key = (opd.id, day, mode, indicator.id)
            if key in first_key_line:
                reasons.append(_("The same date, agency, mode and indicator are already on line %(line)d.",
                                 line=first_key_line[key]))
            day_key = (opd.id, day, mode)
            these = (numbers["staff_on_duty"], numbers["reports_due"], numbers["reports_submitted"])
            if day_key in day_values and day_values[day_key][1] != these:
                reasons.append(_("Staff on duty and reports must be the same on every line of one date, "
                                 "agency and mode; line %(line)d has other values.",
                                 line=day_values[day_key][0]))
            if not reasons:
                first_key_line[key] = line
                day_values.setdefault(day_key, (line, these))
        if reasons:
            plan.rejected.append(Rejected(line, cells, reasons))
            continue
        plan.rows.append(Row(line, opd, day, mode, indicator, **numbers))

    compare_with_stored(plan.rows)
    return plan


def stored_days(keys: set[tuple[int, date, str]]) -> dict[tuple[int, date, str], OutputDay]:
    """The stored OutputDay of each (OPD, date, mode) key, with its quantities."""
    if not keys:
        return {}
    opd_ids = {key[0] for key in keys}
    days = [key[1] for key in keys]
    query = (select(OutputDay).where(OutputDay.opd_id.in_(opd_ids), OutputDay.day.between(min(days), max(days)))
             .options(selectinload(OutputDay.quantities)))
    return {(d.opd_id, d.day, d.mode): d for d in db.session.scalars(query) if (d.opd_id, d.day, d.mode) in keys}


def compare_with_stored(rows: list[Row]) -> None:
    stored = stored_days({row.day_key for row in rows})
    for row in rows:
        existing = stored.get(row.day_key)
        if existing is None:
            continue
        quantity = next((q.quantity for q in existing.quantities if q.indicator_id == row.indicator.id), None)
        before = {"quantity": quantity, "staff_on_duty": existing.staff_on_duty,
                  "reports_due": existing.reports_due, "reports_submitted": existing.reports_submitted}
        if before == row.values():
            row.status = "unchanged"
        elif quantity is not None or before | {"quantity": row.quantity} != row.values():
            row.status, row.before = "changed", before


def apply_import(plan: ImportPlan, actor: User | None, via: str = "web") -> dict[str, int]:
    """Store a plan that has no rejected line (all or nothing). The caller commits."""
    if not plan.ok:
        raise ValueError("a plan with rejected lines or file errors cannot be applied")
    stored = stored_days({row.day_key for row in plan.rows})
    for row in plan.rows:
        if row.status == "unchanged":
            continue
        output_day = stored.get(row.day_key)
        if output_day is None:
            output_day = OutputDay(opd_id=row.opd.id, day=row.day, mode=row.mode)
            db.session.add(output_day)
            stored[row.day_key] = output_day
        output_day.staff_on_duty = row.staff_on_duty
        output_day.reports_due = row.reports_due
        output_day.reports_submitted = row.reports_submitted
        quantity = next((q for q in output_day.quantities if q.indicator_id == row.indicator.id), None)
        if quantity is None:
            output_day.quantities.append(OutputQuantity(indicator_id=row.indicator.id, quantity=row.quantity))
        else:
            quantity.quantity = row.quantity
    by_opd: dict[int, list[Row]] = defaultdict(list)
    for row in plan.rows:
        by_opd[row.opd.id].append(row)
    for opd_id, rows in by_opd.items():
        counts = {status: sum(1 for r in rows if r.status == status) for status in ("new", "changed", "unchanged")}
        changes = [{"line": r.line, "date": r.day, "mode": r.mode, "indicator": r.indicator.slug,
                    "before": r.before, "after": r.values()} for r in rows if r.status == "changed"][:100]
        audit.record("outputs.import", None, opd_id=opd_id, actor=actor,
                     after={"file": plan.filename, "sha256": plan.sha256, "via": via, **counts,
                            "first_day": min(r.day for r in rows), "last_day": max(r.day for r in rows),
                            "changes": changes},
                     summary=f"{via}: {plan.filename} ({rows[0].opd.short_name}): {counts}")
    db.session.flush()
    return plan.counts


def template_csv(opds: list[Opd], today: date, holidays=()) -> str:
    """The import template: the header, then one line per indicator of the given agencies for
    the last working day, with the numbers left for staff to fill in."""
    day = today
    while not is_working_day(day, holidays):
        day -= timedelta(days=1)
    rows = [[day.isoformat(), opd.slug, WorkMode.WFO.value, indicator.slug, "", "", "", ""]
            for opd in opds for indicator in opd_indicators(opd)]
    return to_csv(CSV_COLUMNS, rows, bom=False)


# --- the day's entry ----------------------------------------------------------------------------


DAY_FIELDS = ["opd_id", "day", "mode", "staff_on_duty", "reports_due", "reports_submitted"]


def find_day(opd: Opd, day: date, mode: str) -> OutputDay | None:
    return db.session.scalar(select(OutputDay).filter_by(opd_id=opd.id, day=day, mode=mode)
                             .options(selectinload(OutputDay.quantities)))


def day_snapshot(output_day: OutputDay) -> dict:
    data = audit.snapshot(output_day, DAY_FIELDS)
    data["quantities"] = {q.indicator.slug: q.quantity for q in output_day.quantities if q.indicator}
    return data


def save_day(opd: Opd, day: date, mode: str, staff_on_duty: int, reports_due: int, reports_submitted: int,
             quantities: dict[OutputIndicator, int], actor: User | None) -> bool:
    """Create or correct an OPD's record for a date and mode. Returns False when nothing changed.
    The caller has checked the values with ``check_day_values`` and commits."""
    output_day = find_day(opd, day, mode)
    created = output_day is None
    if created:
        output_day = OutputDay(opd_id=opd.id, day=day, mode=mode)
        db.session.add(output_day)
        before = None
    else:
        before = day_snapshot(output_day)
    output_day.staff_on_duty = staff_on_duty
    output_day.reports_due = reports_due
    output_day.reports_submitted = reports_submitted
    existing = {q.indicator_id: q for q in output_day.quantities}
    for indicator, value in quantities.items():
        if indicator.id in existing:
            existing[indicator.id].quantity = value
        else:
            output_day.quantities.append(OutputQuantity(indicator=indicator, quantity=value))
    db.session.flush()
    after = day_snapshot(output_day)
    if after == before:
        return False
    audit.record("outputs.entry", output_day, before=before, after=after, opd_id=opd.id, actor=actor,
                 summary=f"{opd.short_name} {day.isoformat()} {mode}")
    return True


# --- indicators and costs -----------------------------------------------------------------------


def add_indicator(opd: Opd, name: str, unit_of_measure: str, slug: str, actor: User | None) -> OutputIndicator:
    """A new output indicator for the OPD (the caller checked the slug is free) and commits."""
    indicator = OutputIndicator(opd=opd, name=name.strip(), unit_of_measure=unit_of_measure.strip(), slug=slug)
    db.session.add(indicator)
    db.session.flush()
    audit.record("indicator.create", indicator, opd_id=opd.id, actor=actor,
                 after=audit.snapshot(indicator, ["slug", "name", "unit_of_measure"]),
                 summary=f"{opd.short_name}: {indicator.name}")
    return indicator


def month_costs(opd: Opd, month: date) -> dict[str, int]:
    rows = db.session.scalars(select(OperationalCost).filter_by(opd_id=opd.id, month=month))
    return {row.category: row.amount for row in rows}


def save_costs(opd: Opd, month: date, amounts: dict[str, int | None], actor: User | None) -> bool:
    """Set the month's cost per category; an empty amount removes what was recorded. Returns False
    when nothing changed. The caller commits."""
    before = month_costs(opd, month)
    existing = {row.category: row for row in db.session.scalars(
        select(OperationalCost).filter_by(opd_id=opd.id, month=month))}
    for category, amount in amounts.items():
        row = existing.get(category)
        if amount is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(OperationalCost(opd_id=opd.id, month=month, category=category, amount=amount))
        else:
            row.amount = amount
    db.session.flush()
    after = month_costs(opd, month)
    if after == before:
        return False
    audit.record("costs.update", None, opd_id=opd.id, actor=actor, before=before or None,
                 after={"month": month, **after}, summary=f"{opd.short_name} {month:%Y-%m}")
    return True


# --- how the audit trail tells it -----------------------------------------------------------------


@audit.describer("outputs.import")
def describe_import(event: AuditEvent) -> str:
    data = event.after or {}
    return _("Imported output file %(file)s: %(new)d new, %(changed)d corrected, %(unchanged)d unchanged "
             "lines.", file=data.get("file", ""), new=data.get("new", 0), changed=data.get("changed", 0),
             unchanged=data.get("unchanged", 0))


@audit.describer("outputs.entry")
def describe_entry(event: AuditEvent) -> str:
    data = event.after or {}
    mode = MODE_LABELS.get(data.get("mode"), data.get("mode", ""))
    day = date.fromisoformat(data["day"]) if data.get("day") else None
    if event.before:
        return _("Corrected the output of %(day)s, %(mode)s.", day=medium_date(day) if day else "", mode=mode)
    return _("Entered the output of %(day)s, %(mode)s.", day=medium_date(day) if day else "", mode=mode)


@audit.describer("indicator.create")
def describe_indicator(event: AuditEvent) -> str:
    data = event.after or {}
    return _("Added the output indicator “%(name)s” (%(unit)s).", name=data.get("name", ""),
             unit=data.get("unit_of_measure", ""))


@audit.describer("costs.update")
def describe_costs(event: AuditEvent) -> str:
    data = event.after or {}
    month = str(data.get("month", ""))
    if len(month) >= 7 and month[:4].isdigit():
        month = month_name(date.fromisoformat(month[:7] + "-01"))
    return _("Updated the operational cost of %(month)s.", month=month)
