"""What a conflict is: its type and rule, how bad it is, the other posts, and a suggested fix."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class ConflictType(StrEnum):
    TIME_OVERLAP = "time_overlap"
    RESOURCE = "resource"
    PLATFORM_LIMIT = "platform_limit"
    DUPLICATE_CONTENT = "duplicate_content"


class Rule(StrEnum):
    """The check that found a conflict, one of a few per type."""

    MIN_GAP = "min_gap"  # time_overlap
    ACCOUNT_STATUS = "account_status"  # resource
    MEDIA_REUSE = "media_reuse"  # resource
    HOURLY_QUOTA = "hourly_quota"  # platform_limit
    DAILY_QUOTA = "daily_quota"  # platform_limit
    IDENTICAL_CONSECUTIVE = "identical_consecutive"  # duplicate_content
    NEAR_DUPLICATE = "near_duplicate"  # duplicate_content


class Severity(StrEnum):
    """`error`: the platform would refuse the post, or it collides with another, so a create
    refuses (or moves it); `warning`: it would go out but do worse, so it is reported."""

    ERROR = "error"
    WARNING = "warning"


class FixAction(StrEnum):
    MOVE = "move"  # to `at`, the nearest free good slot (None: none within the search)
    EDIT_TEXT = "edit_text"
    REAUTHORISE = "reauthorise"
    ENABLE_ACCOUNT = "enable_account"


# Rules that depend on the post's time, so moving the post can resolve them.
MOVABLE = frozenset({Rule.MIN_GAP, Rule.MEDIA_REUSE, Rule.HOURLY_QUOTA, Rule.DAILY_QUOTA})


@dataclass(frozen=True)
class SuggestedFix:
    action: FixAction
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Conflict:
    type: ConflictType
    rule: Rule
    severity: Severity
    message: str
    other_task_ids: tuple[int, ...]
    fix: SuggestedFix
    similarity: float | None = None  # duplicate_content only: Jaccard of character bigrams

    @property
    def movable(self) -> bool:
        return self.rule in MOVABLE

    def with_fix(self, fix: SuggestedFix) -> Conflict:
        return replace(self, fix=fix)

    def renumbered(self, ids: dict[int, int]) -> Conflict:
        """The same conflict with provisional ids (posts of the same batch) made real."""
        return replace(self, other_task_ids=tuple(ids.get(i, i) for i in self.other_task_ids))


@dataclass(frozen=True)
class Post:
    """A post to check: a new one (`task_id` None) or an existing task at a (new) time."""

    account_id: int
    platform: str
    content: str
    at: datetime
    media: tuple[str, ...] = ()
    task_id: int | None = None
    series_id: int | None = None


@dataclass(frozen=True)
class CheckResult:
    """Every conflict of a post at its time; `slot` is the nearest free good slot when a
    move would help (None: no move needed, or none found)."""

    post: Post
    conflicts: tuple[Conflict, ...] = field(default_factory=tuple)
    slot: datetime | None = None

    @property
    def errors(self) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.severity is Severity.WARNING)

    @property
    def movable(self) -> bool:
        """Moving the post to `slot` would clear every error."""
        return bool(self.errors) and self.slot is not None and all(c.movable for c in self.errors)


class ConflictsFoundError(ValueError):
    """A post refused for its conflicts; `conflicts` carries them all (errors and warnings)."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        self.conflicts = result.conflicts
        summary = "; ".join(f"{c.type} ({c.rule}): {c.message}" for c in result.errors)
        super().__init__(f"the post conflicts with the schedule: {summary}")
