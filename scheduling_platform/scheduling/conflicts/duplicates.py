"""Duplicate content: the same text as the adjacent post (Weibo refuses it), or a near-identical
text among the account's recent and scheduled posts (it hurts reach).

Candidates come from the LSH band keys (fingerprints.py), so a year of posts costs one indexed
lookup; each candidate is then compared exactly (Jaccard of character bigrams).
"""

from __future__ import annotations

from scheduling_platform.fingerprints import similarity
from scheduling_platform.scheduling.conflicts.model import (
    Conflict,
    ConflictType,
    FixAction,
    Post,
    Rule,
    Severity,
    SuggestedFix,
)
from scheduling_platform.scheduling.conflicts.neighbourhood import Neighbourhood
from scheduling_platform.scheduling.conflicts.rules import (
    REFUSE_IDENTICAL_CONSECUTIVE,
    ConflictRules,
)

EDIT_TEXT = SuggestedFix(FixAction.EDIT_TEXT, "edit the text")


def identical_consecutive(post: Post, hood: Neighbourhood) -> list[Conflict]:
    """On a platform that refuses it: the same text as the post just before or just after."""
    if post.platform not in REFUSE_IDENTICAL_CONSECUTIVE:
        return []
    same = [p for p in hood.adjacent(post.at, post.task_id) if p and p.content == post.content]
    if not same:
        return []
    return [
        Conflict(
            ConflictType.DUPLICATE_CONTENT,
            Rule.IDENTICAL_CONSECUTIVE,
            Severity.ERROR,
            f"the same text as the account's post just before or after it; {post.platform} "
            "refuses two identical consecutive posts",
            tuple(p.id for p in same),
            EDIT_TEXT,
            similarity=1.0,
        )
    ]


def near_duplicates(
    post: Post,
    hood: Neighbourhood,
    rules: ConflictRules,
    keys: list[int],
    parts: frozenset[str],
    skip: set[int],
) -> list[Conflict]:
    """A warning for each post of the account within the duplicate window whose text is at
    least the threshold similar (identical included), most similar first."""
    window = rules.duplicate_window
    found = []
    for other in hood.sharing_bands(keys):
        if other.id == post.task_id or other.id in skip or abs(other.at - post.at) > window:
            continue
        score = similarity(parts, hood.shingles_of(other))
        if score >= rules.near_duplicate_threshold:
            found.append((score, other))
    found.sort(key=lambda pair: (-pair[0], pair[1].id))
    return [
        Conflict(
            ConflictType.DUPLICATE_CONTENT,
            Rule.NEAR_DUPLICATE,
            Severity.WARNING,
            f"{'identical to' if score == 1.0 else f'{score:.0%} similar to'} another post of "
            f"the account {abs(other.at - post.at).total_seconds() / 86400:.1f} days away; "
            "near-duplicates on one account reach fewer people",
            (other.id,),
            EDIT_TEXT,
            similarity=round(score, 4),
        )
        for score, other in found
    ]
