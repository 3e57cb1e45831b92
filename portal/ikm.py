"""The citizen satisfaction index (Indeks Kepuasan Masyarakat, IKM) as PermenPANRB 14/2017 computes
it from the answers of the Survei Kepuasan Masyarakat (SKM). Pure: plain answers in, plain figures
out; no Flask, no database (portal/survey/ loads the answers and publishes the figures).

- nine elements (unsur), each answered on a scale of 1 to 4;
- NRR of an element = sum of its scores ÷ the number of respondents who answered it;
- weighted NRR = NRR × 1/9 (the regulation rounds the weight to 0.111);
- IKM of the service unit = sum of the nine weighted NRRs (1–4); reported IKM = IKM × 25 (25–100);
- grade (mutu pelayanan) from the reported IKM rounded to two decimals, with the regulation's
  intervals: A (Sangat Baik) 88.31–100, B (Baik) 76.61–88.30, C (Kurang Baik) 65.00–76.60,
  D (Tidak Baik) 25.00–64.99.

No figure is published below a minimum number of respondents (the setting SURVEY_MIN_SAMPLE): the
figure is None and ``reason`` says why, while the number of respondents is always given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from . import schedule

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
SCORES = (1, 2, 3, 4)
WEIGHT = 1 / len(ELEMENTS)
SCALE = 25
# (grade, lowest reported IKM of the grade), best first.
GRADES = (("A", Decimal("88.31")), ("B", Decimal("76.61")), ("C", Decimal("65.00")), ("D", Decimal("25.00")))

ONSITE, ONLINE = "onsite", "online"
MODES = (ONSITE, ONLINE)
# The ways an index is split: every answer, by the visit's mode, by whether the visit day was a
# WFH day for the unit (the policy phase changed its service that day) or not.
ALL, WFH_DAY, OTHER_DAY = "all", "wfh_day", "other_day"
SPLITS = (ALL, ONSITE, ONLINE, WFH_DAY, OTHER_DAY)

TOO_FEW = "too_few"  # fewer respondents than the minimum sample


@dataclass(frozen=True)
class Answer:
    """One respondent's answer as the index sees it: no text, no profile, no person."""

    unit_id: int
    opd_id: int
    visited_on: date
    mode: str  # ONSITE or ONLINE: how the respondent was served
    wfh_day: bool  # the visit day was a WFH day for the unit (the policy phase decided its service)
    scores: tuple[int | None, ...]  # one per element, 1–4, None when not answered

    def splits(self) -> tuple[str, ...]:
        return (ALL, self.mode, WFH_DAY if self.wfh_day else OTHER_DAY)


@dataclass
class Tally:
    """Running sums of a group of answers (what the index is computed from)."""

    respondents: int = 0
    sums: list[int] = field(default_factory=lambda: [0] * len(ELEMENTS))
    counts: list[int] = field(default_factory=lambda: [0] * len(ELEMENTS))

    def add(self, scores: Sequence[int | None]) -> None:
        answered = False
        for position, score in enumerate(scores):
            if score is None:
                continue
            if score not in SCORES:
                raise ValueError(f"score {score!r} outside 1–4")
            self.sums[position] += score
            self.counts[position] += 1
            answered = True
        if answered:
            self.respondents += 1

    def merge(self, other: Tally) -> None:
        self.respondents += other.respondents
        for position in range(len(ELEMENTS)):
            self.sums[position] += other.sums[position]
            self.counts[position] += other.counts[position]


@dataclass(frozen=True)
class Index:
    """The regulation's figures for a group of answers, or only its size when it is too small."""

    respondents: int
    min_sample: int
    answered: tuple[int, ...]  # respondents per element
    nrr: tuple[float | None, ...]  # per element (1–4); None when hidden or unanswered
    weighted: tuple[float | None, ...]  # NRR × 1/9
    value: float | None  # IKM on the 1–4 scale (sum of the weighted NRRs)
    ikm: float | None  # reported IKM, 25–100
    grade: str | None  # A, B, C or D
    reason: str | None  # TOO_FEW when the figures are withheld

    @property
    def published(self) -> bool:
        return self.ikm is not None


def round2(value: float) -> Decimal:
    """Two decimals, halves up (as the regulation's tables are written)."""
    return Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade(ikm: float) -> str:
    """The grade of a reported IKM (25–100)."""
    rounded = round2(ikm)
    for letter, lowest in GRADES:
        if rounded >= lowest:
            return letter
    return "D"


def index_of(tally: Tally, min_sample: int) -> Index:
    """NRR per element, weighted NRR, IKM × 25 and grade of a tally; withheld below ``min_sample``."""
    answered = tuple(tally.counts)
    if tally.respondents == 0 or tally.respondents < min_sample:
        empty = (None,) * len(ELEMENTS)
        return Index(tally.respondents, min_sample, answered, empty, empty, None, None, None, TOO_FEW)
    nrr = tuple(total / count if count and count >= min_sample else None
                for total, count in zip(tally.sums, tally.counts))
    weighted = tuple(value * WEIGHT if value is not None else None for value in nrr)
    if any(value is None for value in nrr):  # an element without enough answers: no index
        return Index(tally.respondents, min_sample, answered, nrr, weighted, None, None, None, TOO_FEW)
    value = sum(weighted)
    reported = value * SCALE
    return Index(tally.respondents, min_sample, answered, nrr, weighted, value, reported, grade(reported), None)


def index(answers: Iterable[Answer], min_sample: int) -> Index:
    """The index of some answers."""
    tally = Tally()
    for answer in answers:
        tally.add(answer.scores)
    return index_of(tally, min_sample)


# --- summaries: every scope, phase and split at once -----------------------------------------------

CITY, OPD, UNIT = "city", "opd", "unit"
WHOLE_RANGE = 0  # the phase key of figures over the whole chosen range


class Key(NamedTuple):
    """Where an index belongs (a tuple: hashed in C, ~3,000 times by a two-year /statistik)."""

    scope: str  # CITY, OPD or UNIT
    scope_id: int  # 0 for the city, else the OPD's or unit's id
    phase_id: int  # WHOLE_RANGE, a phase's id, or -1 outside any phase
    split: str  # one of SPLITS


OUTSIDE_PHASES = -1


@dataclass(frozen=True)
class Summary:
    start: date
    end: date
    min_sample: int
    phases: tuple[schedule.Phase, ...]  # the phases that overlap the range, in order
    indexes: Mapping[Key, Index]

    def get(self, scope: str, scope_id: int = 0, phase_id: int = WHOLE_RANGE, split: str = ALL) -> Index:
        found = self.indexes.get(Key(scope, scope_id, phase_id, split))
        return found if found is not None else index_of(Tally(), self.min_sample)


def phases_in(phases: Sequence[schedule.Phase], start: date, end: date) -> tuple[schedule.Phase, ...]:
    """The phases that overlap [start, end], in order."""
    return tuple(sorted((p for p in phases if p.starts_on <= end and (p.ends_on is None or p.ends_on >= start)),
                        key=lambda p: p.starts_on))


def summarize(answers: Iterable[Answer], *, start: date, end: date, phases: Sequence[schedule.Phase],
              min_sample: int, units: bool = False) -> Summary:
    """Indexes of the city, every OPD (and every unit when ``units``) over [start, end] and per
    policy phase, each split by the visit's mode and by WFH day vs other days. Answers outside
    the range are left out."""
    overlapping = phases_in(phases, start, end)
    # First one tally per finest group (unit, phase, mode, WFH day), then each group's tally is
    # merged into the scopes, periods and splits it belongs to: few merges instead of many adds.
    groups: dict[Group, Tally] = {}
    for answer in answers:
        if not start <= answer.visited_on <= end:
            continue
        phase = schedule.phase_on(overlapping, answer.visited_on)
        group = Group(answer.unit_id, answer.opd_id, phase.id if phase is not None else OUTSIDE_PHASES,
                      answer.mode, answer.wfh_day)
        tally = groups.get(group)
        if tally is None:
            tally = groups[group] = Tally()
        tally.add(answer.scores)
    return summarize_groups(groups, start=start, end=end, phases=overlapping, min_sample=min_sample, units=units)


class Group(NamedTuple):
    """The finest group of answers a summary needs (the database can add them up: survey/service.py)."""

    unit_id: int
    opd_id: int
    phase_id: int  # the phase in force on the visit day (schedule.phase_on), or OUTSIDE_PHASES
    mode: str
    wfh_day: bool


def summarize_groups(groups: Mapping[Group, Tally], *, start: date, end: date,
                     phases: tuple[schedule.Phase, ...], min_sample: int, units: bool = False) -> Summary:
    """summarize() from the tallies of the finest groups (``phases``: phases_in() of the range)."""
    members: dict[Key, list[Tally]] = defaultdict(list)  # each key's groups, added up once below
    for (unit_id, opd_id, phase_id, mode, wfh_day), group_tally in groups.items():
        scopes = [(CITY, 0), (OPD, opd_id)] + ([(UNIT, unit_id)] if units else [])
        splits = (ALL, mode, WFH_DAY if wfh_day else OTHER_DAY)
        for scope, scope_id in scopes:
            for period in (WHOLE_RANGE, phase_id):
                for split in splits:
                    members[Key(scope, scope_id, period, split)].append(group_tally)
    return Summary(start, end, min_sample, phases, Indexes(dict(members), min_sample))


class Indexes(Mapping):
    """Key -> Index of a summary, each computed when first asked for (a page shows ~320 of the
    ~510 of a two-year range; the CSV and the API all of them)."""

    def __init__(self, members: Mapping[Key, Sequence[Tally]], min_sample: int):
        self.members, self.min_sample, self.found = members, min_sample, {}

    def __getitem__(self, key: Key) -> Index:
        found = self.found.get(key)
        if found is None:
            found = self.found[key] = index_of(total(self.members[key]), self.min_sample)
        return found

    def __iter__(self):
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)


def total(tallies: Sequence[Tally]) -> Tally:
    """The tallies added up (as merging each into an empty one), element by element."""
    if len(tallies) == 1:
        return tallies[0]
    return Tally(sum(tally.respondents for tally in tallies),
                 [sum(column) for column in zip(*(tally.sums for tally in tallies), strict=True)],
                 [sum(column) for column in zip(*(tally.counts for tally in tallies), strict=True)])
