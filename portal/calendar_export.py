"""A unit's coming days as iCalendar, for citizens who subscribe in their phone's calendar."""

from datetime import datetime, timedelta

import icalendar
from flask import current_app
from flask_babel import gettext as _

from .availability import STATUS_LABELS, explain, hours_text
from .clock import now, zone
from .models import ServiceUnit
from .schedule import DayStatus, Status
from .urls import external_url, public_host


def unit_calendar(unit: ServiceUnit, days: list[DayStatus]) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Pemerintah Kota Bekasi//Portal Layanan//ID")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{unit.name} — {_('Service status')}")
    calendar.add("x-wr-timezone", current_app.config["PORTAL_TIMEZONE"])
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    page = external_url("public.unit", slug=unit.slug)
    stamp = now()
    tz = zone()
    for day in days:
        event = icalendar.Event()
        event.add("uid", f"{unit.slug}-{day.day.isoformat()}@{public_host()}")
        event.add("dtstamp", stamp)
        label = str(STATUS_LABELS[day.status])
        hours = hours_text(day)
        event.add("summary", f"{label} {hours}".strip() + f" — {unit.name}")
        if day.status is Status.CLOSED or day.opens is None or day.all_day:
            event.add("dtstart", day.day)
            event.add("dtend", day.day + timedelta(days=1))
        else:
            event.add("dtstart", datetime.combine(day.day, day.opens, tzinfo=tz))
            event.add("dtend", datetime.combine(day.day, day.closes, tzinfo=tz))
        event.add("description", f"{explain(day)}\n{page}")
        event.add("location", unit.address)
        event.add("url", page)
        event.add("transp", "TRANSPARENT")
        event.add("categories", [day.status.value])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
