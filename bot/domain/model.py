"""Rebound's domain vocabulary: plain values and records, free of I/O and frameworks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    APPLICATION = "application"
    RECRUITER_SCREEN = "recruiter_screen"
    SKILLS_TEST = "skills_test"
    PANEL = "panel"
    FINAL_ROUND = "final_round"
    OFFER = "offer"


class SetbackKind(StrEnum):
    REJECTED = "rejected"
    WENT_BADLY = "went_badly"
    GHOSTED = "ghosted"
    WITHDREW = "withdrew"
    OTHER = "other"


class OutcomeResult(StrEnum):
    WORKED = "worked"
    PARTLY = "partly"
    NOT_THIS_TIME = "not_this_time"
    STILL_WAITING = "still_waiting"
    RATHER_NOT_SAY = "rather_not_say"


class OutcomeEvent(StrEnum):
    GOT_FEEDBACK = "got_feedback"
    ANOTHER_INTERVIEW = "another_interview"
    OFFER = "offer"
    KEPT_IN_TOUCH = "kept_in_touch"
    MOVED_ON = "moved_on"


class FollowUpKind(StrEnum):
    BEST_REMINDER = "best_reminder"
    UNANSWERED_NUDGE = "unanswered_nudge"
    OUTCOME_ASK = "outcome_ask"
    CLOSE = "close"
    # Similar setbacks (the library), shown right after the post's transaction commits:
    # the poster's own path never waits on a search.
    SUGGESTIONS = "suggestions"


class PostSource(StrEnum):
    FORM = "form"
    ADOPTED = "adopted"


@dataclass(frozen=True, kw_only=True)
class Member:
    """Someone acting in a community, as the platform identifies them."""

    user_id: str
    display_name: str
    is_moderator: bool = False


@dataclass(frozen=True, kw_only=True)
class PostDraft:
    """A validated request to share a setback."""

    title: str
    body: str
    stage: Stage | None
    kind: SetbackKind | None
    tags: tuple[str, ...]
    anonymous: bool
    ask_outcome_at: datetime


@dataclass(frozen=True, kw_only=True)
class Post:
    id: int
    community_id: str
    poster_id: str
    poster_name: str
    anonymous: bool
    pseudonym: str
    title: str
    body: str
    stage: Stage | None
    kind: SetbackKind | None
    tags: tuple[str, ...]
    source: PostSource
    channel_id: str
    thread_ref: str | None
    status_message_ref: str | None
    created_at: datetime
    last_activity_at: datetime
    outcome_ask_at: datetime
    closed_at: datetime | None
    stop_asking: bool
    still_waiting_count: int
    # Raised each time a transaction takes the post; what its status message shows is
    # rendered at this version.
    version: int = 0
    outcome_ask_ref: str | None = None
    # The post's own message (or its thread) was deleted: closed, its words gone from the store.
    withdrawn_at: datetime | None = None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


@dataclass(frozen=True, kw_only=True)
class Reply:
    id: int
    setback_id: int
    author_id: str
    author_name: str
    by_poster: bool
    relayed: bool
    text: str
    message_ref: str | None
    created_at: datetime
    best_marked_at: datetime | None
    # Kept when unmarked, so marking again does not thank the author twice.
    best_marked_by: str | None
    appreciations: int
    deleted: bool

    @property
    def is_best(self) -> bool:
        return self.best_marked_at is not None


@dataclass(frozen=True, kw_only=True)
class OutcomeReport:
    """What the poster tells Rebound about how things turned out."""

    result: OutcomeResult
    events: tuple[OutcomeEvent, ...] = ()
    acted_on_reply_ids: tuple[int, ...] = ()
    # Template uses (see bot/words/templates/records.py) the poster says were the words they sent.
    sent_template_use_ids: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    id: int
    community_id: str
    setback_id: int
    kind: FollowUpKind
    due_at: datetime
    attempts: int = 0


@dataclass(frozen=True, kw_only=True)
class CommunitySettings:
    """Per-community knobs; periods are in hours so they stay plain integers in the store."""

    support_channel: str = "support"
    helpers_channel: str | None = None
    locale: str = "en"
    appreciation_emoji: str = "+1"
    reminder_quiet_hours: int = 72
    nudge_after_hours: int = 24
    outcome_after_days: int = 14
    still_waiting_days: int = 14
    snooze_days: int = 7
    close_after_days: int = 30
    # Care (docs/care.md): where crisis alerts go (none: alerts are only recorded), the
    # country whose resources a member in crisis is given, how long content is kept (None:
    # for ever), and whether moderators may reveal an anonymous poster (with a reason).
    moderators_channel: str | None = None
    country: str = ""
    retention_days: int | None = None
    reveal_allowed: bool = False
    # The weekly digest to the helpers' channel: weekday (0 is Monday; None: no digest) and
    # hour, in UTC.
    digest_weekday: int | None = None
    digest_hour: int = 9
