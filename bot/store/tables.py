"""The schema, as sqlmodel tables. Migrations in migrations/ must match it (a test checks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text, true
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime


def _when(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class CommunityRow(SQLModel, table=True):
    __tablename__ = "community"

    id: str = Field(primary_key=True, max_length=100)
    platform: str = Field(max_length=20)
    settings: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _when()


class PostRow(SQLModel, table=True):
    __tablename__ = "setback"
    __table_args__ = (
        UniqueConstraint("community_id", "thread_ref", name="uq_setback_thread"),
        Index("ix_setback_poster", "community_id", "poster_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    poster_id: str = Field(max_length=100)
    poster_name: str = Field(max_length=200)
    anonymous: bool
    pseudonym: str = Field(max_length=100)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    stage: str | None = Field(default=None, max_length=30)
    kind: str | None = Field(default=None, max_length=30)
    tags: list[str] = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=20)
    channel_id: str = Field(max_length=100)
    thread_ref: str | None = Field(default=None, max_length=200)
    status_message_ref: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when()
    last_activity_at: datetime = _when()
    outcome_ask_at: datetime = _when()
    closed_at: datetime | None = _when(nullable=True)
    stop_asking: bool = False
    still_waiting_count: int = 0
    # Raised by every transaction that takes the post (see Repo.post): edits of its status
    # message carry it, so an older one arriving late is skipped.
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The private "how did it go?" message last sent, edited once the poster has answered.
    outcome_ask_ref: str | None = Field(default=None, max_length=200)
    # Set when the post's own message (or thread) was deleted: its words are gone too.
    withdrawn_at: datetime | None = _when(nullable=True)


class ReplyRow(SQLModel, table=True):
    __tablename__ = "reply"
    __table_args__ = (UniqueConstraint("community_id", "message_ref", name="uq_reply_message"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    setback_id: int = Field(foreign_key="setback.id", index=True)
    author_id: str = Field(max_length=100)
    author_name: str = Field(max_length=200)
    by_poster: bool
    relayed: bool
    text: str = Field(sa_column=Column(Text, nullable=False))
    message_ref: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when()
    edited_at: datetime | None = _when(nullable=True)
    best_marked_at: datetime | None = _when(nullable=True)
    best_marked_by: str | None = Field(default=None, max_length=100)
    deleted: bool = False


class AppreciationRow(SQLModel, table=True):
    __tablename__ = "appreciation"

    reply_id: int = Field(foreign_key="reply.id", primary_key=True)
    member_id: str = Field(primary_key=True, max_length=100)
    created_at: datetime = _when()


class OutcomeRow(SQLModel, table=True):
    __tablename__ = "outcome_update"
    # One update per post: two submissions at once cannot both be recorded.
    __table_args__ = (UniqueConstraint("setback_id", name="uq_outcome_setback"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    setback_id: int = Field(foreign_key="setback.id", index=True)
    result: str = Field(max_length=30)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    acted_on: list[int] = Field(sa_column=Column(JSON, nullable=False))
    note: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _when()
    # Set when the poster changed their update on purpose (it is shown as changed).
    changed_at: datetime | None = _when(nullable=True)


class StatusShownRow(SQLModel, table=True):
    """Which version of a post's status message the platform was last given, and who is
    giving it one now: edits go out one at a time, never older than one already shown."""

    __tablename__ = "status_shown"

    setback_id: int = Field(foreign_key="setback.id", primary_key=True)
    version: int
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _when(nullable=True)


class FollowUpRow(SQLModel, table=True):
    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("setback_id", "kind", name="uq_follow_up_kind"),
        # Only pending rows are ever scanned by due time, so the index holds only them.
        Index(
            "ix_follow_up_pending_due",
            "due_at",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    platform: str = Field(max_length=20)
    setback_id: int = Field(foreign_key="setback.id")
    kind: str = Field(max_length=30)
    due_at: datetime = _when()
    done_at: datetime | None = _when(nullable=True)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _when(nullable=True)
    attempts: int = 0


class ProcessedEventRow(SQLModel, table=True):
    """One row per inbound delivery applied: a redelivery hits the primary key and stops."""

    __tablename__ = "processed_event"

    community_id: str = Field(primary_key=True, max_length=100)
    event_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = _when()


PENDING_OUTBOUND = "delivered_at IS NULL AND gave_up_at IS NULL"


class OutboundRow(SQLModel, table=True):
    """A durable intent waiting to reach its platform (the transactional outbox).

    Written in the same transaction as the change that caused it, so a failed or
    interrupted delivery is retried instead of lost. A row is pending, delivered
    (`delivered_at`) or given up (`gave_up_at`: a permanent refusal, or a day of transient
    ones; kept with its last error until someone retries it by hand).
    """

    __tablename__ = "outbound"
    __table_args__ = (
        Index("ix_outbound_source", "community_id", "source"),
        Index(
            "ix_outbound_pending",
            "next_try_at",
            postgresql_where=text(PENDING_OUTBOUND),
            sqlite_where=text(PENDING_OUTBOUND),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    platform: str = Field(max_length=20)
    source: str = Field(max_length=250)
    seq: int
    intent: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _when()
    next_try_at: datetime = _when()
    delivered_at: datetime | None = _when(nullable=True)
    delivered_ref: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _when(nullable=True)
    # The start of the earliest try that may have reached the platform without an answer
    # (cut short by a crash, a timeout, a lost lease); None once the outcome is known.
    attempted_at: datetime | None = _when(nullable=True)
    # Refs of the pieces of a long message the platform already confirmed, in order.
    pieces: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    first_failed_at: datetime | None = _when(nullable=True)
    gave_up_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=100)
    last_error_kind: str | None = Field(default=None, max_length=20)


class ConversationRow(SQLModel, table=True):
    """A form or a choice being answered by private message, on a platform without forms or
    buttons: one at a time per member."""

    __tablename__ = "conversation"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    user_id: str = Field(primary_key=True, max_length=100)
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _when()


class CommunityTemplateRow(SQLModel, table=True):
    """A template a community's moderators added; its text lives in versions."""

    __tablename__ = "community_template"
    __table_args__ = (UniqueConstraint("community_id", "key", name="uq_community_template_key"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    key: str = Field(max_length=40)
    current_version: int
    disabled: bool = False
    origin_thread_ref: str | None = Field(default=None, max_length=200)
    origin_message_ref: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=100)
    created_at: datetime = _when()


class CommunityTemplateVersionRow(SQLModel, table=True):
    """Every saved version of a community template's YAML, kept for the record."""

    __tablename__ = "community_template_version"
    __table_args__ = (
        UniqueConstraint("template_id", "version", name="uq_community_template_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="community_template.id")
    version: int
    source: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=100)
    created_at: datetime = _when()


class TemplateDraftRow(SQLModel, table=True):
    """A member's filled-in template, previewed privately until they send or post it."""

    __tablename__ = "template_draft"

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    member_id: str = Field(max_length=100, index=True)
    template_key: str = Field(max_length=40)
    template_version: int
    channel: str = Field(max_length=20)
    register_name: str = Field(max_length=20)
    values: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    setback_id: int | None = Field(default=None, foreign_key="setback.id")
    created_at: datetime = _when()


class TemplateUseRow(SQLModel, table=True):
    """A poster used a template for their post: the outcome form lists it beside the replies."""

    __tablename__ = "template_use"
    __table_args__ = (UniqueConstraint("draft_id", "via", name="uq_template_use_via"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    setback_id: int = Field(foreign_key="setback.id", index=True)
    draft_id: int = Field(foreign_key="template_draft.id")
    template_key: str = Field(max_length=40)
    template_title: str = Field(max_length=200)
    channel: str = Field(max_length=20)
    register_name: str = Field(max_length=20)
    via: str = Field(max_length=20)
    # Set from the outcome form: the poster confirmed these were the words they sent.
    sent: bool = False
    used_at: datetime = _when()


class ParkedEventRow(SQLModel, table=True):
    """A thread event that arrived before its thread was recorded (the post's thread is
    started by the bot, whose id is stored once the platform confirms it). Handled when the
    thread is recorded; dropped after a day if no post ever owns the thread."""

    __tablename__ = "parked_event"
    __table_args__ = (Index("ix_parked_event_thread", "community_id", "thread_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    thread_ref: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = _when(index=True)


class TombstoneRow(SQLModel, table=True):
    """A deletion for a message not (yet) recorded: the message, arriving later, is stored
    as deleted. Kept for a day."""

    __tablename__ = "tombstone"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    message_ref: str = Field(primary_key=True, max_length=200)
    deleted_at: datetime = _when(index=True)


class FormOfferRow(SQLModel, table=True):
    """A form that could not open in time (its trigger expired, or the interaction was
    already answered), kept so a button can open it on any replica. Kept for a day."""

    __tablename__ = "form_offer"

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    user_id: str = Field(max_length=100)
    form: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    offered_at: datetime = _when(index=True)


# --- Care and members' data (issue 10) ---------------------------------------------------


class CareEventRow(SQLModel, table=True):
    """A crisis alert, a moderator's resume of a paused post, a reveal: what moderators did
    and were told, kept until the moderators' audit log takes these over."""

    __tablename__ = "care_event"
    __table_args__ = (Index("ix_care_event_post", "community_id", "setback_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    setback_id: int | None = Field(default=None, foreign_key="setback.id")
    kind: str = Field(max_length=20)
    # An alert: whose words were screened; a resume or reveal: the moderator who acted.
    member_id: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = _when()


class CarePauseRow(SQLModel, table=True):
    """A post whose outcome asks and reminders wait until a moderator resumes them."""

    __tablename__ = "care_pause"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    setback_id: int = Field(foreign_key="setback.id", primary_key=True)
    event_id: int = Field(foreign_key="care_event.id")
    paused_at: datetime = _when()


class MemberSettingRow(SQLModel, table=True):
    """A member's own choices: no direct messages from Rebound."""

    __tablename__ = "member_setting"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    member_id: str = Field(primary_key=True, max_length=100)
    dm_opt_out: bool = False
    updated_at: datetime = _when()


class ForgottenRow(SQLModel, table=True):
    """A member's data was removed at their request (`member_key`: a hash of their id, so
    the fact can be told to them again without keeping who they were)."""

    __tablename__ = "forgotten_member"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    member_key: str = Field(primary_key=True, max_length=64)
    request: str = Field(primary_key=True, max_length=40)
    forgotten_at: datetime = _when()


# --- installations (issue 11): one per community, with its platform secrets sealed --------


class InstallationRow(SQLModel, table=True):
    """An app installed in a community (a Slack workspace or organisation). Tokens are
    stored sealed (bot/store/secrets.py), never in the clear; `revision` rises with every
    change, so a replica's cached copy can tell it is stale."""

    __tablename__ = "installation"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    enterprise_id: str | None = Field(default=None, max_length=40)
    team_id: str | None = Field(default=None, max_length=40)
    app_id: str | None = Field(default=None, max_length=40)
    bot_id: str = Field(max_length=40)
    bot_user_id: str = Field(max_length=40)
    bot_scopes: str = Field(sa_column=Column(Text, nullable=False))
    bot_token: str = Field(sa_column=Column(Text, nullable=False))
    bot_refresh_token: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    bot_token_expires_at: datetime | None = _when(nullable=True)
    installer_user_id: str | None = Field(default=None, max_length=40)
    is_enterprise_install: bool = False
    installed_at: datetime = _when()
    revision: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class OAuthStateRow(SQLModel, table=True):
    """An OAuth `state` handed to an installer's browser: used once, before it expires."""

    __tablename__ = "oauth_state"

    state: str = Field(primary_key=True, max_length=100)
    expires_at: datetime = _when(index=True)


class CommunitySettingChangeRow(SQLModel, table=True):
    """Who changed a community's settings, when, and what (each field's old and new value)."""

    __tablename__ = "community_setting_change"
    __table_args__ = (Index("ix_community_setting_change", "community_id", "changed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    changed_by: str = Field(max_length=100)
    changed_at: datetime = _when()
    changes: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


# --- moderators and the library (issue 9) -----------------------------------------------


class AuditEntryRow(SQLModel, table=True):
    """One moderator action: who, what, when, on what, why. Append-only: a trigger on both
    databases refuses UPDATE and DELETE (migration 0009_library)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_recent", "community_id", "id"),
        Index("ix_audit_entry_setback", "community_id", "setback_id"),
        Index("ix_audit_entry_actor", "community_id", "actor_id"),
        Index("ix_audit_entry_member", "community_id", "member_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    actor_id: str = Field(max_length=100)
    actor_name: str = Field(max_length=200)
    action: str = Field(max_length=40)
    setback_id: int | None = Field(default=None)
    reply_id: int | None = Field(default=None)
    # The member acted upon (a reply's author, a named poster); never an anonymous poster.
    member_id: str | None = Field(default=None, max_length=100)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _when()


class FeaturedAnswerRow(SQLModel, table=True):
    """A reply in the library: featured by a moderator (under a topic, with a one-line
    summary), or a best answer its poster marked (`featured` false: its summary is the
    reply's opening, its topic empty; it shows while the reply stays marked)."""

    __tablename__ = "featured_answer"
    __table_args__ = (
        UniqueConstraint("community_id", "reply_id", name="uq_featured_reply"),
        Index("ix_featured_answer_topic", "community_id", "topic"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    reply_id: int = Field(foreign_key="reply.id")
    setback_id: int = Field(foreign_key="setback.id", index=True)
    topic: str = Field(max_length=80)
    summary: str = Field(max_length=200)
    featured_by: str = Field(max_length=100)
    featured_at: datetime = _when()
    updated_at: datetime = _when()
    featured: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class LibraryShareRow(SQLModel, table=True):
    """A library answer a member posted into their own post's thread: posted there once,
    and offered in that post's outcome form as something they may have acted on."""

    __tablename__ = "library_share"
    __table_args__ = (Index("ix_library_share_reply", "reply_id"),)

    # No foreign keys: forgetting a member or expiring posts removes these rows with the
    # library entries (bot/store/member_data_repo.py), in whichever order it deletes.
    setback_id: int = Field(primary_key=True)
    reply_id: int = Field(primary_key=True)
    community_id: str = Field(max_length=100)
    shared_at: datetime = _when()


class HiddenReplyRow(SQLModel, table=True):
    """A reply a moderator hid, and why: it leaves the library and every listing."""

    __tablename__ = "hidden_reply"

    reply_id: int = Field(foreign_key="reply.id", primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    hidden_by: str = Field(max_length=100)
    hidden_at: datetime = _when()


class PostLockRow(SQLModel, table=True):
    """A post a moderator locked (it takes no replies until reopened), and why."""

    __tablename__ = "post_lock"

    setback_id: int = Field(foreign_key="setback.id", primary_key=True)
    community_id: str = Field(foreign_key="community.id", max_length=100)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    locked_by: str = Field(max_length=100)
    locked_at: datetime = _when()


class LibraryTopicRow(SQLModel, table=True):
    """A topic a community added to the list in content/ (words.yaml `library_topics`)."""

    __tablename__ = "library_topic"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    name: str = Field(primary_key=True, max_length=80)
    added_by: str = Field(max_length=100)
    added_at: datetime = _when()


class LibraryPreferenceRow(SQLModel, table=True):
    """A member who turned off similar-setback suggestions."""

    __tablename__ = "library_preference"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    member_id: str = Field(primary_key=True, max_length=100)
    suggestions_off: bool = False


class DigestSentRow(SQLModel, table=True):
    """One weekly digest per community and week: the row is claimed in the transaction that
    stores the digest in the outbox, so two workers (or a restart) send it once."""

    __tablename__ = "digest_sent"

    community_id: str = Field(foreign_key="community.id", primary_key=True, max_length=100)
    week: str = Field(primary_key=True, max_length=10)
    sent_at: datetime = _when()


# --- the moderators' web page (issue 13): rollups kept in the transaction that records -----
# --- an outcome, a post or a reply, so the outcomes page reads a few rows, whatever the past -


class OutcomeRollupRow(SQLModel, table=True):
    """Outcomes counted by result, per month reported (`dimension` "month", bucket
    "2026-03"), per stage and per kind of the post (bucket "" when it named none)."""

    __tablename__ = "outcome_rollup"

    community_id: str = Field(primary_key=True, max_length=100)
    dimension: str = Field(primary_key=True, max_length=10)
    bucket: str = Field(primary_key=True, max_length=30)
    worked: int = 0
    partly: int = 0
    not_this_time: int = 0
    still_waiting: int = 0
    rather_not_say: int = 0


class ActedRollupRow(SQLModel, table=True):
    """Outcomes counted by result for what the poster acted on: a helper's replies
    (`subject` "helper", keyed by author id) or a template sent (keyed by its key)."""

    __tablename__ = "acted_rollup"
    __table_args__ = (Index("ix_acted_rollup_total", "community_id", "subject", "total"),)

    community_id: str = Field(primary_key=True, max_length=100)
    subject: str = Field(primary_key=True, max_length=10)
    subject_key: str = Field(primary_key=True, max_length=100)
    label: str = Field(max_length=200)
    worked: int = 0
    partly: int = 0
    not_this_time: int = 0
    still_waiting: int = 0
    rather_not_say: int = 0
    total: int = 0


class FirstReplyRow(SQLModel, table=True):
    """When a post got its first reply from someone other than its poster (one row per
    post, written once: how the rollup below knows a reply is the first)."""

    __tablename__ = "first_reply"

    setback_id: int = Field(primary_key=True, foreign_key="setback.id")
    community_id: str = Field(max_length=100)
    replied_at: datetime = _when()


class ReplyTimeRollupRow(SQLModel, table=True):
    """Posts counted per community (`minutes` -1), and first replies counted by how long
    they took (`minutes`: the bucket's lower bound; minutes, then hours, then days)."""

    __tablename__ = "reply_time_rollup"

    community_id: str = Field(primary_key=True, max_length=100)
    minutes: int = Field(primary_key=True)
    count: int = 0
