"""Pure rules: limits, validation of what members send, and who may do what."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.model import (
    Member,
    OutcomeEvent,
    OutcomeReport,
    OutcomeResult,
    Post,
    PostDraft,
    Reply,
    SetbackKind,
    Stage,
)

# A follow-up due before its post's thread is confirmed (the thread still in the outbox) is
# put off this long, and woken as soon as the thread is recorded.
THREAD_PENDING_WAIT = timedelta(minutes=10)

TITLE_MAX = 150
BODY_MAX = 8000
REPLY_MAX = 8000
NOTE_MAX = 2000
TAG_MAX_COUNT = 5
TAG_MAX_LENGTH = 30
TAGS_INPUT_MAX = 200  # what the tags box accepts: five tags and their separators
OUTCOME_ASK_MAX_DAYS = 366

_T = TypeVar("_T")
_E = TypeVar("_E", Stage, SetbackKind, OutcomeResult)

FormValues = Mapping[str, str | Sequence[str]]

_LIST_SPLIT = re.compile(r"[,\n]+")
_DAYS = re.compile(r"[0-9]{1,3}d")
RECORD_ID = re.compile(r"[0-9]{1,9}")  # ASCII digits, small enough for any integer column


def form_text(values: FormValues, name: str) -> str:
    """A field as one string; platforms send None for an empty input."""
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        value = " ".join(part for part in value if isinstance(part, str))
    return value.strip()


def _many(values: FormValues, name: str) -> list[str]:
    value = values.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SPLIT.split(value) if part.strip()]
    return [part.strip() for part in value if isinstance(part, str) and part.strip()]


def form_flag(values: FormValues, name: str) -> bool:
    return form_text(values, name).lower() in {"1", "true", "yes", "y", "on", "anonymous"}


def require_text(value: str, field: str, limit: int) -> str:
    """Return `value` stripped, or raise if it is empty or longer than `limit`."""
    value = value.strip()
    if not value:
        raise RuleViolation("error.field_empty", field=field)
    if len(value) > limit:
        raise RuleViolation("error.field_too_long", field=field, limit=limit, length=len(value))
    return value


def _choice(enum: type[_E], raw: str, field: str) -> _E | None:
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        raise RuleViolation("error.unknown_choice", field=field, value=raw) from None


def normalise_tags(raw: Sequence[str]) -> tuple[str, ...]:
    """Lower-case, de-duplicated tags; at most TAG_MAX_COUNT, each short."""
    tags: list[str] = []
    for tag in raw:
        clean = "-".join(tag.strip().lstrip("#").lower().split())
        if not clean or clean in tags:
            continue
        if len(clean) > TAG_MAX_LENGTH:
            raise RuleViolation("error.tag_too_long", field="tags", limit=TAG_MAX_LENGTH)
        tags.append(clean)
    if len(tags) > TAG_MAX_COUNT:
        raise RuleViolation("error.too_many_tags", field="tags", limit=TAG_MAX_COUNT)
    return tuple(tags)


def outcome_ask_time(
    raw: str, now: datetime, default_days: int, field: str = "ask_outcome_on"
) -> datetime:
    """When to ask about the outcome: a date (YYYY-MM-DD), `Nd` days, or the default."""
    raw = raw.strip()
    if not raw:
        return now + timedelta(days=default_days)
    if _DAYS.fullmatch(raw):
        days = int(raw[:-1])
        if not 1 <= days <= OUTCOME_ASK_MAX_DAYS:
            raise RuleViolation("error.bad_ask_date", field=field, value=raw)
        return now + timedelta(days=days)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise RuleViolation("error.bad_ask_date", field=field, value=raw) from None
    # Ask in the morning (09:00 UTC) of the chosen day.
    when = datetime.combine(day, time(9, 0), tzinfo=UTC)
    if when <= now or when - now > timedelta(days=OUTCOME_ASK_MAX_DAYS):
        raise RuleViolation("error.bad_ask_date", field=field, value=raw)
    return when


class _Problems:
    """Gathers field problems so a form reports every bad field at once."""

    def __init__(self) -> None:
        self.found: dict[str, RuleViolation] = {}

    def check(self, name: str, step: Callable[[], _T], fallback: _T) -> _T:
        try:
            return step()
        except RuleViolation as problem:
            self.found[problem.field or name] = problem
            return fallback

    def raise_if_any(self) -> None:
        if self.found:
            raise FormInvalid(self.found)


def parse_setback_form(values: FormValues, now: datetime, default_days: int) -> PostDraft:
    """Validate a setback form; every bad field is reported at once."""
    problems = _Problems()
    title = problems.check(
        "title", lambda: require_text(form_text(values, "title"), "title", TITLE_MAX), ""
    )
    body = problems.check(
        "body", lambda: require_text(form_text(values, "body"), "body", BODY_MAX), ""
    )
    stage = problems.check(
        "stage", lambda: _choice(Stage, form_text(values, "stage"), "stage"), None
    )
    kind = problems.check(
        "kind", lambda: _choice(SetbackKind, form_text(values, "kind"), "kind"), None
    )
    tags: tuple[str, ...] = problems.check(
        "tags", lambda: normalise_tags(_many(values, "tags")), ()
    )
    ask_at = problems.check(
        "ask_outcome_on",
        lambda: outcome_ask_time(form_text(values, "ask_outcome_on"), now, default_days),
        now,
    )
    problems.raise_if_any()
    return PostDraft(
        title=title,
        body=body,
        stage=stage,
        kind=kind,
        tags=tags,
        anonymous=form_flag(values, "anonymous"),
        ask_outcome_at=ask_at,
    )


def parse_outcome_form(
    values: FormValues, replies: Sequence[Reply], template_use_ids: Sequence[int] = ()
) -> OutcomeReport:
    """Validate the outcome form against the post's replies and the templates used for it."""
    problems = _Problems()
    result = problems.check("result", lambda: _form_result(form_text(values, "result")), None)
    if result is None and "result" not in problems.found:
        problems.found["result"] = RuleViolation("error.field_empty", field="result")
    events: tuple[OutcomeEvent, ...] = problems.check(
        "events", lambda: _events(_many(values, "events")), ()
    )
    known = {reply.id for reply in replies if not reply.by_poster and not reply.deleted}
    acted_on: tuple[int, ...] = problems.check(
        "acted_on",
        lambda: _known_ids(_many(values, "acted_on"), known, "acted_on", "error.unknown_reply"),
        (),
    )
    sent: tuple[int, ...] = problems.check(
        "templates_used",
        lambda: _known_ids(
            _many(values, "templates_used"),
            set(template_use_ids),
            "templates_used",
            "error.unknown_choice",
        ),
        (),
    )
    note = form_text(values, "note")
    if len(note) > NOTE_MAX:
        problems.found["note"] = RuleViolation(
            "error.field_too_long", field="note", limit=NOTE_MAX, length=len(note)
        )
    problems.raise_if_any()
    assert result is not None
    return OutcomeReport(
        result=result,
        events=events,
        acted_on_reply_ids=acted_on,
        sent_template_use_ids=sent,
        note=note,
    )


def _form_result(raw: str) -> OutcomeResult | None:
    """'Still waiting' is a button of its own (it asks again later), not an outcome to share."""
    result = _choice(OutcomeResult, raw, "result")
    if result is OutcomeResult.STILL_WAITING:
        raise RuleViolation("error.unknown_choice", field="result", value=raw)
    return result


def _events(raw: Sequence[str]) -> tuple[OutcomeEvent, ...]:
    try:
        return tuple(dict.fromkeys(OutcomeEvent(item) for item in raw))
    except ValueError:
        raise RuleViolation("error.unknown_choice", field="events", value=", ".join(raw)) from None


def _known_ids(raw: Sequence[str], known: set[int], field: str, key: str) -> tuple[int, ...]:
    """Ids chosen from a list the form offered; anything else is refused with `key`."""
    ids: list[int] = []
    for item in raw:
        if not RECORD_ID.fullmatch(item) or int(item) not in known:
            raise RuleViolation(key, field=field, value=item)
        ids.append(int(item))
    return tuple(dict.fromkeys(ids))


def may_mark_best(actor: Member, post: Post) -> bool:
    """The poster decides which answers helped; moderators may act on their behalf."""
    return actor.user_id == post.poster_id or actor.is_moderator


def check_markable(actor: Member, post: Post, reply: Reply) -> None:
    """Raise a friendly refusal when `actor` may not mark `reply` as a best answer."""
    if post.is_withdrawn:
        raise RuleViolation("error.post_withdrawn")
    if not may_mark_best(actor, post):
        raise RuleViolation("error.not_your_post", title=post.title)
    if reply.by_poster or reply.deleted:
        raise RuleViolation("error.not_markable")


def pseudonym_for(seed: str, adjectives: Sequence[str], animals: Sequence[str]) -> str:
    """A per-post pseudonym picked by hashing the post's own seed (its delivery id).

    Nothing about the poster goes in, so the name reveals nothing about them.
    """
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    adjective = adjectives[int.from_bytes(digest[:4], "big") % len(adjectives)]
    animal = animals[int.from_bytes(digest[4:8], "big") % len(animals)]
    return f"{adjective} {animal}"
