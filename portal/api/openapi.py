"""The OpenAPI 3.1 document of /api/v1/. The schemas are JSON Schema (2020-12), so a test checks
every endpoint's real answers against them; the HTML page at /api/ is generated from it."""

from __future__ import annotations

import copy

from ..models import CostCategory, ReportCategory, ReportStatus
from ..schedule import Source, Status
from ..stats import SORT_KEYS
from ..urls import public_root


def N_(text: str) -> str:
    """Marks a text for the catalog: the document stays English, the page /api/ translates it."""
    return text


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, required: list[str] | None = None, closed: bool = True) -> dict:
    """An object with these properties, all required; ``closed``: no other property allowed.
    Schemas that others extend with allOf stay open; their users close them with ``exactly``."""
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else required}
    if closed:
        schema["additionalProperties"] = False
    return schema


def exactly(name: str) -> dict:
    """An open schema used as it is: no property beyond its own."""
    return {"$ref": f"#/components/schemas/{name}", "unevaluatedProperties": False}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
# Text without NUL characters (the portal refuses them everywhere: PostgreSQL cannot store them).
TEXT_VALUE = {"type": "string", "minLength": 1, "pattern": "^[^\\x00]+$"}
CLOCK = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}
SHARE = {"type": "number", "minimum": 0, "maximum": 1}
COUNT = {"type": "integer", "minimum": 0}

SCHEMAS = {
    "Error": obj({"error": obj({"status": INTEGER, "message": STRING})}),
    "OpdRef": obj({"slug": STRING, "short_name": STRING}),
    "Place": obj({"slug": STRING, "name": STRING}),
    "Indicator": obj({"slug": STRING, "name": STRING, "unit_of_measure": STRING}),
    "Opd": obj({
        "slug": STRING, "short_name": STRING, "name": STRING, "kind": STRING,
        "website": nullable(STRING), "phone": nullable(STRING), "unit_count": COUNT,
        "indicators": {"type": "array", "items": ref("Indicator")},
    }),
    "Unit": obj(closed=False, properties={
        "slug": STRING, "name": STRING, "opd": ref("OpdRef"), "kecamatan": ref("Place"),
        "kelurahan": nullable(ref("Place")), "address": STRING,
        "latitude": nullable(NUMBER), "longitude": nullable(NUMBER),
        "phone": nullable(STRING), "whatsapp": nullable(STRING), "email": nullable(STRING),
        "online_channel": nullable(obj({"name": nullable(STRING), "url": STRING})),
        "services": {"type": "array", "items": STRING},
        "essential": BOOLEAN, "open_24_7": BOOLEAN,
        "regular_hours": {"type": "array", "items": obj({
            "weekday": {"type": "integer", "minimum": 0, "maximum": 6}, "opens": CLOCK, "closes": CLOCK})},
        "url": {"type": "string", "format": "uri"},
    }),
    "Day": obj(closed=False, properties={
        "date": DATE,
        "status": {"type": "string", "enum": [s.value for s in Status]},
        "opens": nullable(CLOCK), "closes": nullable(CLOCK),
        "decided_by": {"type": "string", "enum": [s.value for s in Source],
                       "description": "Which rule decided: a staff override, a holiday, the policy phase, "
                                      "the unit's regular hours..."},
        "reason": {"type": "string", "description": "Why, in the language of the request (?lang=en)."},
        "phase": nullable(STRING), "holiday": nullable(STRING),
    }),
    "UnitDetail": {"allOf": [ref("Unit"), {"type": "object", "properties": {
        "days": {"type": "array", "items": exactly("Day")}, "next_onsite_day": nullable(exactly("Day")),
        "history": ref("History")},
        "required": ["days", "next_onsite_day", "history"]}], "unevaluatedProperties": False},
    "KeptDays": obj(closed=False, properties={
        "onsite_days": {**COUNT, "description": "Past days published as on-site (open or limited) as the day began."},
        "kept": {**COUNT, "description": "Of those, days without a report confirmed by staff (verified, in "
                                        "progress or resolved) and without a same-day change by staff."},
        "share_kept": nullable({**SHARE, "description": "kept / onsite_days"}),
        "broken_days": {**COUNT, "description": "Days with a confirmed report or a same-day change, on-site or not."},
    }),
    "History": {"allOf": [ref("KeptDays"), {"type": "object", "properties": {
        "from": DATE, "to": DATE,
        "days": {"type": "array", "items": obj({
            "date": DATE,
            "status": {"type": "string", "enum": [s.value for s in Status],
                       "description": "The status on record for the day (staff changes included)."},
            "promised_status": {"type": "string", "enum": [s.value for s in Status],
                                "description": "The status published as the day began."},
            "promised_onsite": BOOLEAN, "broken": BOOLEAN, "kept": BOOLEAN,
            "confirmed_reports": COUNT, "same_day_changes": COUNT})}},
        "required": ["from", "to", "days"]}], "unevaluatedProperties": False,
        "description": "The last 90 days before today: were the published on-site days kept?"},
    "UnitDay": {"allOf": [ref("Day"), {"type": "object", "properties": {
        "unit": STRING, "name": STRING, "opd": STRING}, "required": ["unit", "name", "opd"]}],
        "unevaluatedProperties": False},
    "Figures": obj({
        "records": {**COUNT, "description": "Agency-days with a record in this work mode."},
        "output": COUNT, "staff_days": COUNT,
        "output_per_staff_day": nullable(NUMBER),
        "reports_due": COUNT, "reports_submitted": COUNT,
        "compliance": nullable({**SHARE, "description": "reports_submitted / reports_due"}),
    }),
    "Comparison": obj(closed=False, properties={
        "wfo": ref("Figures"), "wfh": ref("Figures"), "all": ref("Figures"),
        "wfh_wfo_ratio": nullable({**NUMBER, "description": "WFH output per staff-day / WFO output per staff-day"}),
        "days_with_records": COUNT, "output_per_recorded_day": nullable(NUMBER),
    }),
    "Completeness": obj({"days_with_records": COUNT, "expected_days": COUNT, "share": nullable(SHARE)}),
    "ReportFigures": obj(closed=False, properties={
        "count": COUNT, "answered": COUNT, "answered_within_target": COUNT, "pending": COUNT,
        "share_within_target": nullable(SHARE), "median_hours_to_first_answer": nullable(NUMBER),
    }),
    "Phase": obj({"name": STRING, "name_en": nullable(STRING), "rule": STRING, "starts_on": DATE,
                  "ends_on": nullable(DATE)}),
}


def comparison_with(extra: dict) -> dict:
    """A Comparison plus some properties, closed against any other property."""
    return {"allOf": [ref("Comparison"), {"type": "object", "properties": extra, "required": list(extra)}],
            "unevaluatedProperties": False}


SCHEMAS["Statistics"] = obj({
    "from": DATE, "to": DATE, "opd": nullable(STRING), "indicator": nullable(STRING),
    "sort": {"type": "string", "description": "One of " + ", ".join(SORT_KEYS) + ", with - for descending."},
    "target_working_days": COUNT,
    "completeness": ref("Completeness"),
    "summary": exactly("Comparison"),
    "phases": {"type": "array", "items": comparison_with(
        {"phase": nullable(ref("Phase")), "from": DATE, "to": DATE})},
    "weeks": {"type": "array", "items": comparison_with(
        {"week": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"}, "from": DATE, "to": DATE})},
    "opds": {"type": "array", "items": comparison_with(
        {"opd": STRING, "short_name": STRING, "name": STRING, "completeness": ref("Completeness"),
         "reports": exactly("ReportFigures")})},
    "reports": {"allOf": [ref("ReportFigures"), {"type": "object", "properties": {
        "by_category": {"type": "array", "items": {
            "allOf": [ref("ReportFigures"), {"type": "object", "properties": {
                "category": {"type": "string", "enum": [c.value for c in ReportCategory]}},
                "required": ["category"]}], "unevaluatedProperties": False}}},
        "required": ["by_category"]}], "unevaluatedProperties": False},
    "costs": obj({
        "baseline": nullable(ref("Phase")),
        "baseline_monthly_mean": nullable(NUMBER),
        "months": {"type": "array", "items": obj({
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "baseline": BOOLEAN,
            "opds_reporting": COUNT,
            **{c.value: nullable(COUNT) for c in CostCategory},
            "total": nullable(COUNT), "change_vs_baseline": nullable(NUMBER)})},
    }),
})
SCHEMAS["OutputRecord"] = obj({
    "date": DATE, "opd": STRING, "mode": {"type": "string", "enum": ["wfo", "wfh"]},
    "staff_on_duty": {"type": "integer", "minimum": 1}, "reports_due": COUNT, "reports_submitted": COUNT,
    "outputs": {"type": "array", "items": obj({
        "indicator": STRING, "name": STRING, "unit_of_measure": STRING, "quantity": COUNT})},
})
SCHEMAS["Report"] = obj({
    "code": STRING, "unit": STRING, "unit_name": STRING, "opd": STRING,
    "category": {"type": "string", "enum": [c.value for c in ReportCategory]},
    "status": {"type": "string", "enum": [s.value for s in ReportStatus]},
    "description": STRING, "visited_on": DATE, "created_at": DATETIME,
    "first_response_at": nullable(DATETIME), "closed_at": nullable(DATETIME),
    "updates": {"type": "array", "items": obj({
        "at": DATETIME, "status": {"type": "string", "enum": [s.value for s in ReportStatus]}, "message": STRING})},
})
# Kept on-site days per agency over the past days of the range (portal/history.py).
SCHEMAS["Statistics"]["properties"]["kept_onsite_days"] = obj({
    "from": DATE, "to": DATE,
    "opds": {"type": "array", "items": {"allOf": [ref("KeptDays"), obj(closed=False, properties={
        "opd": STRING, "short_name": STRING})], "unevaluatedProperties": False}}})
SCHEMAS["Statistics"]["required"].append("kept_onsite_days")


GRADE = {"type": "string", "enum": ["A", "B", "C", "D"]}
SCHEMAS["IkmRow"] = obj({
    "scope": {"type": "string", "enum": ["city", "opd", "unit"]},
    "opd": {"type": "string", "description": "The agency's code; empty for the city."},
    "unit": {"type": "string", "description": "The unit's code; empty unless scope is unit."},
    "name": STRING,
    "phase": {"type": "string", "description": "The policy phase; empty for the whole range."},
    "period_start": DATE, "period_end": DATE,
    "split": {"type": "string", "enum": ["all", "onsite", "online", "wfh_day", "other_day"],
              "description": "all answers; served on-site or online; visits on the unit's WFH days "
                             "(the policy phase decided its service) or on other days."},
    "respondents": COUNT,
    "ikm": nullable({"type": "number", "minimum": 25, "maximum": 100,
                     "description": "Reported IKM (sum of the weighted NRRs × 25); null below min_sample."}),
    "grade": nullable(GRADE),
    **{f"nrr_u{n}": nullable({"type": "number", "minimum": 1, "maximum": 4}) for n in range(1, 10)},
    "note": {"type": "string", "enum": ["", "too_few"],
             "description": "too_few: fewer respondents than min_sample, so no figure."},
})


def paged(item: str) -> dict:
    return obj({"total": COUNT, "limit": {"type": "integer", "minimum": 1}, "offset": COUNT,
                "data": {"type": "array", "items": ref(item)}})


def param(name: str, description: str, schema: dict | None = None, where: str = "query",
          required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema or TEXT_VALUE}


LANG = param("lang", N_("Language of the texts (reason, error messages): id (default) or en."),
             {"type": "string", "enum": ["id", "en"]})
OPD = param("opd", N_("Agency code (slug), see /api/v1/opds."))
KECAMATAN = param("kecamatan", N_("Kecamatan code (slug)."))
TEXT = param("q", N_("Text to look for in unit names, services, addresses and agencies (at most 100 characters)."),
             {**TEXT_VALUE, "maxLength": 100})
FROM = param("from", N_("First date of the range (YYYY-MM-DD). Default: two months before the trial."
                        " Dates more than three years from today are refused (400)."), DATE)
TO = param("to", N_("Last date of the range (YYYY-MM-DD), at most 731 days after `from` (400 otherwise). Default: "
                    "the end of the trial. Dates more than three years from today are refused (400)."), DATE)
INDICATOR = param("indicator", N_("Output indicator code (slug); all indicators summed when absent."))
LIMIT = param("limit", N_("Page size (1–500, default 100)."), {"type": "integer", "minimum": 1, "maximum": 500})
OFFSET = param("offset", N_("Items to skip (0–10000000, default 0)."),
               {"type": "integer", "minimum": 0, "maximum": 10_000_000})


def ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


BAD = error("A parameter is invalid (also when empty or repeated); the message says which and why.")
MISSING = error("No such item.")


def operation(op_id: str, summary: str, description: str, parameters: list, responses: dict) -> dict:
    return {"get": {"operationId": op_id, "summary": summary, "description": description,
                    "parameters": parameters + [LANG], "responses": {"400": BAD, **responses}}}


PATHS = {
    "/api/v1/opds": operation(
        "listOpds", N_("Agencies"), N_("Every agency (OPD), its number of active service units and its output "
        "indicators."), [], {"200": ok("The agencies.", obj({"data": {"type": "array", "items": ref("Opd")}}))}),
    "/api/v1/units": operation(
        "listUnits", N_("Service units"), N_("Active service units with address, contact, services, flags and "
        "regular weekly hours (weekday 0 = Monday)."),
        [OPD, KECAMATAN, TEXT, param("essential", N_("Only essential units (true) or only the others (false)."),
                                     {"type": "string", "enum": ["true", "false"]})],
        {"200": ok("The units.", obj({"data": {"type": "array", "items": exactly("Unit")}})), "400": BAD}),
    "/api/v1/units/{slug}": operation(
        "getUnit", N_("One unit and its coming days"), N_("The unit, its status for `days` days from `from`, "
        "its next on-site day (open or limited), and its last 90 days: the on-site days kept (see `History`)."),
        [param("slug", N_("The unit's code."), where="path", required=True),
         param("from", N_("First day (YYYY-MM-DD); today when absent. Dates more than three years from today are refused (400)."), DATE),
         param("days", N_("Number of days (1–60, default 7)."), {"type": "integer", "minimum": 1, "maximum": 60})],
        {"200": ok("The unit.", obj({"data": ref("UnitDetail")})), "400": BAD, "404": MISSING}),
    "/api/v1/status": operation(
        "getStatus", N_("Status of every unit on a date"), N_("Whether each unit serves on-site (open, limited), "
        "online only, or is closed on a date, and why."),
        [param("date", N_("The date (YYYY-MM-DD); today when absent. Dates more than three years from today are refused (400)."), DATE), OPD, KECAMATAN, TEXT,
         param("status", N_("Only units with this status."), {"type": "string", "enum": [s.value for s in Status]})],
        {"200": ok("The statuses.", obj({
            "date": DATE, "phase": nullable(STRING), "holiday": nullable(STRING),
            "counts": obj({s.value: COUNT for s in Status}),
            "data": {"type": "array", "items": ref("UnitDay")}})), "400": BAD}),
    "/api/v1/statistics": operation(
        "getStatistics", N_("Output statistics"), N_("The figures of /statistik: output per staff-day on WFO and "
        "WFH days and their ratio, by phase, by week and by agency; compliance of daily performance "
        "reports; disruption reports and their answers; operational cost against the baseline; "
        "completeness of the data. Definitions: /statistik#definisi."),
        [FROM, TO, OPD, INDICATOR, param("sort", N_("Order of `opds`; a leading - sorts descending."),
                                         {"type": "string", "enum": [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]})],
        {"200": ok("The statistics.", ref("Statistics")), "400": BAD}),
    "/api/v1/ikm": operation(
        "getIkm", N_("Citizen satisfaction index (IKM)"), N_("The satisfaction index of PermenPANRB 14/2017 from "
        "the survey answers (/survei), by date of the visit: the city and every agency (or the chosen agency "
        "and its units, or one unit), over the range and per policy phase, each for all answers, served "
        "on-site or online, and on the unit's WFH days or other days. Figures below the minimum number of "
        "respondents are null with note too_few. Never any respondent's profile or text."),
        [FROM, TO, OPD, param("unit", N_("Service unit code (slug): only this unit."))],
        {"200": ok("The index.", obj({
            "from": DATE, "to": DATE, "opd": nullable(STRING), "unit": nullable(STRING),
            "min_sample": {"type": "integer", "minimum": 1},
            "data": {"type": "array", "items": ref("IkmRow")}})), "400": BAD,
         "404": error("The unit does not belong to the agency given in opd.")}),
    "/api/v1/output-records": operation(
        "listOutputRecords", N_("Raw daily output records"), N_("One item per agency, date and work mode, with the "
        "quantity of each indicator. A day without a record is missing, not zero."),
        [FROM, TO, OPD, INDICATOR, LIMIT, OFFSET],
        {"200": ok("The records.", paged("OutputRecord")), "400": BAD}),
    "/api/v1/reports": operation(
        "listReports", N_("Public disruption reports"), N_("Reports that residents chose to list publicly, newest "
        "first, with the public answers. Never any personal data; confidential reports and spam never appear."),
        [OPD, param("status", N_("Only reports with this status."), {"type": "string", "enum": [s.value for s in ReportStatus]}),
         param("category", N_("Only reports of this category."),
               {"type": "string", "enum": [c.value for c in ReportCategory]}), LIMIT, OFFSET],
        {"200": ok("The reports.", paged("Report")), "400": BAD}),
    "/api/v1/openapi.json": {"get": {"operationId": "getOpenApi", "summary": N_("This document"),
                                     "description": N_("The OpenAPI 3.1 document of the API."),
                                     "responses": {"200": {"description": "The document.",
                                                           "content": {"application/json": {"schema": {"type": "object"}}}}}}},
}


def with_codes(codes: dict[str, list[str]]) -> dict:
    """PATHS with the codes that exist today as the enum of the parameters named in ``codes``
    (opd, kecamatan, indicator), so that the document says exactly which values are accepted."""
    paths = copy.deepcopy(PATHS)
    for operations in paths.values():
        for operation_ in operations.values():
            for parameter in operation_.get("parameters", []):
                if parameter["in"] == "query" and codes.get(parameter["name"]):
                    parameter["schema"] = {"type": "string", "enum": sorted(codes[parameter["name"]])}
    return paths


def for_people(spec: dict, translate) -> dict:
    """The paths of the document with their summaries and descriptions in the reader's language."""
    paths = {}
    for path, item in spec["paths"].items():
        op = dict(item["get"])
        op["summary"], op["description"] = translate(op["summary"]), translate(op["description"])
        op["parameters"] = [{**p, "description": translate(p["description"])} for p in op.get("parameters", [])]
        paths[path] = {"get": op}
    return {**spec, "paths": paths}


def document(codes: dict[str, list[str]] | None = None) -> dict:
    """The OpenAPI document, with the portal's public address as server."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Portal Layanan Kota Bekasi — open data API",
            "version": "1.0.0",
            "description": "Service units of Kota Bekasi and their status day by day during the civil "
                           "servants' work-from-home trial, output statistics per agency and public "
                           "disruption reports. Read-only, no key needed, CORS allowed. Errors are JSON "
                           "`{\"error\": {\"status\", \"message\"}}` with the message in the request's "
                           "language. Demo data: the units, hours and figures are invented.",
            "license": {"name": "CC BY 4.0", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": public_root()}],
        "paths": with_codes(codes or {}),
        "components": {"schemas": SCHEMAS},
    }
