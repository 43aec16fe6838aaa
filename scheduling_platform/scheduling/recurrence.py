"""Recurrence rules (RFC 5545 RRULE, through python-dateutil) from a DTSTART in the account's
zone, whose wall-clock time holds across DST changes.

The rule runs on wall-clock times (09:00 stays 09:00 local when the offset changes). A wall time
that does not exist (the spring gap) or exists twice (the autumn fold) is read as RFC 5545
section 3.3.5 says: a time in the gap with the offset before the gap (02:30 in a 02:00->03:00
gap goes out at 03:30 new time), a time in the fold at its first occurrence (the offset before
the change). That is also what `zoneinfo` does with `fold=0`. Each such occurrence says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil import parser as date_parser
from dateutil.rrule import rrule, rrulestr

from scheduling_platform.scheduling.tasks import SchedulingError
from scheduling_platform.timeutil import zone

SCAN_LIMIT = 100_000  # occurrences looked at for one answer, so an odd rule cannot hang it


class RecurrenceError(SchedulingError):
    """A recurrence rule, start, end or exclusion that cannot be used."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: `start` (UTC) is its key; `wall` the wall time the rule gave."""

    start: datetime
    local: datetime  # `start` in the series' zone
    wall: datetime  # naive
    note: str | None = None  # set when the wall time fell in a DST gap or fold


def resolve_wall_time(wall: datetime, zone_name: str) -> Occurrence:
    """The instant of a local wall time, by RFC 5545's rule for gaps and folds (see above)."""
    tz = zone(zone_name)
    first = wall.replace(tzinfo=tz, fold=0)
    start = first.astimezone(UTC)
    local = start.astimezone(tz)
    note = None
    if local.replace(tzinfo=None) != wall:
        note = (
            f"{wall:%H:%M} does not exist on {wall:%Y-%m-%d} in {zone_name} (the clocks skip "
            f"ahead); it goes out at {local:%H:%M} ({local:%z}), read with the offset before "
            "the gap as RFC 5545 says"
        )
    elif first.utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset():
        note = (
            f"{wall:%H:%M} occurs twice on {wall:%Y-%m-%d} in {zone_name} (the clocks go "
            f"back); the first one ({local:%z}) is used, as RFC 5545 says"
        )
    return Occurrence(start, local, wall, note)


def _local_wall(text: str, zone_name: str, what: str) -> datetime:
    """A user's time as a wall time in the zone (a time with an offset is converted)."""
    try:
        parsed = date_parser.isoparse(text.strip())
    except (ValueError, OverflowError):
        raise RecurrenceError(f"{what} {text!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(zone(zone_name)).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def normalise_exdate(text: str, zone_name: str) -> str:
    """An exclusion as stored: a local date (every occurrence that day) or a wall time."""
    stripped = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        try:
            return date.fromisoformat(stripped).isoformat()
        except ValueError:
            raise RecurrenceError(f"--exdate {text!r} is not a date") from None
    return _local_wall(stripped, zone_name, "--exdate").isoformat()


@dataclass(frozen=True)
class Recurrence:
    """An RRULE from a wall-clock DTSTART in `timezone`, without the excluded dates."""

    rule: str  # the RRULE value, COUNT or UNTIL (a local wall time) included
    dtstart: datetime  # naive wall time
    timezone: str
    exdates: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        rule: str,
        *,
        timezone: str,
        dtstart: str | None,
        now: datetime,
        until: str | None = None,
        count: int | None = None,
        exdates: tuple[str, ...] = (),
    ) -> Recurrence:
        """Check and normalise a rule as a user gives it; the parser's message on refusal."""
        zone(timezone)
        text = rule.strip()
        text = text[len("RRULE:") :] if text.upper().startswith("RRULE:") else text
        parts = [p for p in text.upper().split(";") if p]
        names = {p.split("=", 1)[0] for p in parts}
        if count is not None and until is not None:
            raise RecurrenceError("give --count or --until, not both (RFC 5545)")
        if (count is not None or until is not None) and names & {"COUNT", "UNTIL"}:
            raise RecurrenceError("the RRULE has COUNT or UNTIL already")
        if count is not None:
            if count < 1:
                raise RecurrenceError(f"--count must be 1 or more, not {count}")
            parts.append(f"COUNT={count}")
        if until is not None:
            parts.append(f"UNTIL={_local_wall(until, timezone, '--until'):%Y%m%dT%H%M%S}")
        parts = [_local_until(p, timezone) if p.startswith("UNTIL=") else p for p in parts]
        if dtstart is None:  # the next whole minute, local
            start = now.astimezone(zone(timezone)).replace(tzinfo=None, second=0, microsecond=0)
            start += timedelta(minutes=1)
        else:
            start = _local_wall(dtstart, timezone, "the start")
        recurrence = cls(";".join(parts), start, timezone, tuple(exdates))
        recurrence._rule()  # refuse a bad rule now, with the parser's own words
        return recurrence

    def _rule(self) -> rrule:
        try:
            parsed = rrulestr(self.rule, dtstart=self.dtstart)
        except (ValueError, TypeError, KeyError) as exc:
            raise RecurrenceError(f"RRULE {self.rule!r} is not valid: {exc}") from None
        if not isinstance(parsed, rrule):
            raise RecurrenceError(f"RRULE {self.rule!r} is not one rule")
        return parsed

    def _excluded(self, wall: datetime) -> bool:
        return wall.isoformat() in self.exdates or wall.date().isoformat() in self.exdates

    def occurrences(
        self, after: datetime, *, until: datetime | None = None, limit: int = 10
    ) -> list[Occurrence]:
        """Occurrences starting after `after` (UTC), before `until` if given, at most `limit`."""
        found: list[Occurrence] = []
        # A day earlier on the wall: an instant and a wall time differ by the offset.
        wall_after = after.astimezone(zone(self.timezone)).replace(tzinfo=None) - timedelta(days=1)
        for scanned, wall in enumerate(self._rule().xafter(wall_after, inc=True)):
            if scanned >= SCAN_LIMIT or len(found) >= limit:
                break
            if self._excluded(wall):
                continue
            occurrence = resolve_wall_time(wall, self.timezone)
            if until is not None and occurrence.start >= until:
                break
            if occurrence.start > after:
                found.append(occurrence)
        return found

    def includes(self, start: datetime) -> Occurrence | None:
        """The occurrence starting at `start` (UTC), if the rule has one there."""
        found = self.occurrences(start - timedelta(seconds=1), limit=1)
        return found[0] if found and found[0].start == start else None

    def count_before(self, start: datetime) -> int:
        """Occurrences (exclusions included, as COUNT counts them) before `start` (UTC)."""
        counted = 0
        for wall in self._rule():
            if resolve_wall_time(wall, self.timezone).start >= start or counted >= SCAN_LIMIT:
                break
            counted += 1
        return counted


def _local_until(part: str, timezone: str) -> str:
    """UNTIL as a local wall time: RFC 5545 writes it in UTC with a zoned DTSTART, while the
    rule runs here on wall times."""
    value = part.split("=", 1)[1]
    try:
        parsed = date_parser.isoparse(value) if "-" in value else date_parser.parse(value)
    except (ValueError, OverflowError):
        return part  # the parser will say what is wrong with it
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(zone(timezone)).replace(tzinfo=None)
    return f"UNTIL={parsed:%Y%m%dT%H%M%S}"
