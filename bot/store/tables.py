"""The schema, as SQLAlchemy tables. Migrations in migrations/ must match it (a test checks).

Plain `Table`s, not mapped classes: the store reads and writes them with Core statements
only, and a process starts without building a model class per table. Each keeps the name
of the row it holds (`PostRow` is the table of posts); `statements.table` hands them out.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.schema import SchemaItem

from bot.store.types import UTCDateTime

metadata = MetaData()


def _table(name: str, *items: SchemaItem) -> Table:
    return Table(name, metadata, *items)


# Columns are NOT NULL unless `optional`; `key` makes one part of the primary key.


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _int(
    name: str, *references: str, key: bool = False, optional: bool = False, **options: Any
) -> Column[int]:
    foreign_keys = [ForeignKey(target) for target in references]
    return Column(name, Integer, *foreign_keys, primary_key=key, nullable=optional, **options)


def _str(
    name: str, length: int, *, key: bool = False, optional: bool = False, index: bool = False
) -> Column[str]:
    return Column(name, String(length), primary_key=key, nullable=optional, index=index)


def _community_id(*, key: bool = False) -> Column[str]:
    return Column(
        "community_id", String(100), ForeignKey("community.id"), primary_key=key, nullable=False
    )


def _text(name: str, *, optional: bool = False) -> Column[str]:
    return Column(name, Text, nullable=optional)


def _flag(name: str, **options: Any) -> Column[bool]:
    return Column(name, Boolean, nullable=False, **options)


def _json(name: str, *, optional: bool = False) -> Column[Any]:
    return Column(name, JSON, nullable=optional)


# Partial indexes: each holds only the rows matching its condition, on both databases.
# They are added to the tables by `schema()`, not at import: `postgresql_where` makes
# SQLAlchemy load its whole PostgreSQL dialect, which a process on SQLite never uses, and
# only the schema's own work (migrations and their checks) reads indexes from the tables.
_PARTIAL_INDEXES: list[tuple[str, Column[Any], str]] = []  # name, column, condition


def _partial_index(name: str, column: Column[Any], *, where: str) -> None:
    _PARTIAL_INDEXES.append((name, column, where))


def _counts_by_result() -> list[Column[int]]:
    """A counter per outcome result, from 0 (the rollups of the web page's outcomes)."""
    results = ("worked", "partly", "not_this_time", "still_waiting", "rather_not_say")
    return [_int(result, default=0) for result in results]


def _when(name: str, *, optional: bool = False, index: bool = False) -> Column[Any]:
    return Column(name, UTCDateTime(), nullable=optional, index=index)


CommunityRow = _table(
    "community",
    _str("id", 100, key=True),
    _str("platform", 20),
    _json("settings"),
    _when("created_at"),
)


PostRow = _table(
    "setback",
    _id(),
    _community_id(),
    _str("poster_id", 100),
    _str("poster_name", 200),
    _flag("anonymous"),
    _str("pseudonym", 100),
    _str("title", 200),
    _text("body"),
    _str("stage", 30, optional=True),
    _str("kind", 30, optional=True),
    _json("tags"),
    _str("source", 20),
    _str("channel_id", 100),
    _str("thread_ref", 200, optional=True),
    _str("status_message_ref", 200, optional=True),
    _when("created_at"),
    _when("last_activity_at"),
    _when("outcome_ask_at"),
    _when("closed_at", optional=True),
    _flag("stop_asking", default=False),
    _int("still_waiting_count", default=0),
    # Raised by every transaction that takes the post (see Repo.post): edits of its status
    # message carry it, so an older one arriving late is skipped.
    _int("version", default=0, server_default="0"),
    # The private "how did it go?" message last sent, edited once the poster has answered.
    _str("outcome_ask_ref", 200, optional=True),
    # Set when the post's own message (or thread) was deleted: its words are gone too.
    _when("withdrawn_at", optional=True),
    UniqueConstraint("community_id", "thread_ref", name="uq_setback_thread"),
    Index("ix_setback_poster", "community_id", "poster_id"),
)


ReplyRow = _table(
    "reply",
    _id(),
    _community_id(),
    _int("setback_id", "setback.id", index=True),
    _str("author_id", 100),
    _str("author_name", 200),
    _flag("by_poster"),
    _flag("relayed"),
    _text("text"),
    _str("message_ref", 200, optional=True),
    _when("created_at"),
    _when("edited_at", optional=True),
    _when("best_marked_at", optional=True),
    _str("best_marked_by", 100, optional=True),
    _flag("deleted", default=False),
    UniqueConstraint("community_id", "message_ref", name="uq_reply_message"),
)


AppreciationRow = _table(
    "appreciation",
    _int("reply_id", "reply.id", key=True),
    _str("member_id", 100, key=True),
    _when("created_at"),
)


OutcomeRow = _table(
    "outcome_update",
    _id(),
    _community_id(),
    _int("setback_id", "setback.id", index=True),
    _str("result", 30),
    _json("events"),
    _json("acted_on"),
    _text("note"),
    _when("created_at"),
    # Set when the poster changed their update on purpose (it is shown as changed).
    _when("changed_at", optional=True),
    # One update per post: two submissions at once cannot both be recorded.
    UniqueConstraint("setback_id", name="uq_outcome_setback"),
)


# Which version of a post"s status message the platform was last given, and who is
# giving it one now: edits go out one at a time, never older than one already shown.
StatusShownRow = _table(
    "status_shown",
    _int("setback_id", "setback.id", key=True),
    _int("version"),
    _str("lease_owner", 100, optional=True),
    _when("lease_until", optional=True),
)


FollowUpRow = _table(
    "follow_up",
    _id(),
    _community_id(),
    _str("platform", 20),
    _int("setback_id", "setback.id"),
    _str("kind", 30),
    _when("due_at"),
    _when("done_at", optional=True),
    _str("lease_owner", 100, optional=True),
    _when("lease_until", optional=True),
    _int("attempts", default=0),
    UniqueConstraint("setback_id", "kind", name="uq_follow_up_kind"),
)
# Only pending rows are ever scanned by due time, so the index holds only them.
_partial_index("ix_follow_up_pending_due", FollowUpRow.c.due_at, where="done_at IS NULL")


# One row per inbound delivery applied: a redelivery hits the primary key and stops.
ProcessedEventRow = _table(
    "processed_event",
    _str("community_id", 100, key=True),
    _str("event_id", 200, key=True),
    _when("received_at"),
)


# An event stored before it is acknowledged and decided after (Slack's Events API): a
# crash between the two leaves it here to be decided again, and its decision removes it.
# `taken_at` is when it was last taken to be decided: a replay takes only what has waited.
AcceptedEventRow = _table(
    "accepted_event",
    _str("community_id", 100, key=True),
    _str("event_id", 200, key=True),
    _str("platform", 20),
    _json("event"),
    _json("route"),
    _int("attempts", default=0),
    _when("taken_at"),
    Index("ix_accepted_event_waiting", "platform", "taken_at"),
)


PENDING_OUTBOUND = "delivered_at IS NULL AND gave_up_at IS NULL"

# A durable intent waiting to reach its platform (the transactional outbox).
#
# Written in the same transaction as the change that caused it, so a failed or
# interrupted delivery is retried instead of lost. A row is pending, delivered
# (`delivered_at`) or given up (`gave_up_at`: a permanent refusal, or a day of transient
# ones; kept with its last error until someone retries it by hand).
OutboundRow = _table(
    "outbound",
    _id(),
    _community_id(),
    _str("platform", 20),
    _str("source", 250),
    _int("seq"),
    _json("intent"),
    _when("created_at"),
    _when("next_try_at"),
    _when("delivered_at", optional=True),
    _str("delivered_ref", 200, optional=True),
    _int("attempts", default=0),
    _str("lease_owner", 100, optional=True),
    _when("lease_until", optional=True),
    # The start of the earliest try that may have reached the platform without an answer
    # (cut short by a crash, a timeout, a lost lease); None once the outcome is known.
    _when("attempted_at", optional=True),
    # Refs of the pieces of a long message the platform already confirmed, in order.
    _json("pieces", optional=True),
    _when("first_failed_at", optional=True),
    _when("gave_up_at", optional=True),
    _str("last_error", 100, optional=True),
    _str("last_error_kind", 20, optional=True),
    Index("ix_outbound_source", "community_id", "source"),
)
_partial_index("ix_outbound_pending", OutboundRow.c.next_try_at, where=PENDING_OUTBOUND)


# A form or a choice being answered by private message, on a platform without forms or
# buttons: one at a time per member.
ConversationRow = _table(
    "conversation",
    _community_id(key=True),
    _str("user_id", 100, key=True),
    _json("state"),
    _when("updated_at"),
)


# A template a community"s moderators added; its text lives in versions.
CommunityTemplateRow = _table(
    "community_template",
    _id(),
    _community_id(),
    _str("key", 40),
    _int("current_version"),
    _flag("disabled", default=False),
    _str("origin_thread_ref", 200, optional=True),
    _str("origin_message_ref", 200, optional=True),
    _str("created_by", 100),
    _when("created_at"),
    UniqueConstraint("community_id", "key", name="uq_community_template_key"),
)


# Every saved version of a community template"s YAML, kept for the record.
CommunityTemplateVersionRow = _table(
    "community_template_version",
    _id(),
    _int("template_id", "community_template.id"),
    _int("version"),
    _text("source"),
    _str("created_by", 100),
    _when("created_at"),
    UniqueConstraint("template_id", "version", name="uq_community_template_version"),
)


# A member"s filled-in template, previewed privately until they send or post it.
TemplateDraftRow = _table(
    "template_draft",
    _id(),
    _community_id(),
    _str("member_id", 100, index=True),
    _str("template_key", 40),
    _int("template_version"),
    _str("channel", 20),
    _str("register_name", 20),
    _json("values"),
    _int("setback_id", "setback.id", optional=True),
    _when("created_at"),
)


# A poster used a template for their post: the outcome form lists it beside the replies.
TemplateUseRow = _table(
    "template_use",
    _id(),
    _community_id(),
    _int("setback_id", "setback.id", index=True),
    _int("draft_id", "template_draft.id"),
    _str("template_key", 40),
    _str("template_title", 200),
    _str("channel", 20),
    _str("register_name", 20),
    _str("via", 20),
    # Set from the outcome form: the poster confirmed these were the words they sent.
    _flag("sent", default=False),
    _when("used_at"),
    UniqueConstraint("draft_id", "via", name="uq_template_use_via"),
)


# A thread event that arrived before its thread was recorded (the post"s thread is
# started by the bot, whose id is stored once the platform confirms it). Handled when the
# thread is recorded; dropped after a day if no post ever owns the thread.
ParkedEventRow = _table(
    "parked_event",
    _id(),
    _community_id(),
    _str("thread_ref", 200),
    _str("kind", 40),
    _json("event"),
    _when("received_at", index=True),
    Index("ix_parked_event_thread", "community_id", "thread_ref"),
)


# A deletion for a message not (yet) recorded: the message, arriving later, is stored
# as deleted. Kept for a day.
TombstoneRow = _table(
    "tombstone",
    _community_id(key=True),
    _str("message_ref", 200, key=True),
    _when("deleted_at", index=True),
)


# A form that could not open in time (its trigger expired, or the interaction was
# already answered), kept so a button can open it on any replica. Kept for a day.
FormOfferRow = _table(
    "form_offer",
    _id(),
    _community_id(),
    _str("user_id", 100),
    _json("form"),
    _when("offered_at", index=True),
)


# --- Care and members' data (issue 10) ---------------------------------------------------

# A crisis alert, a moderator"s resume of a paused post, a reveal: what moderators did
# and were told, kept until the moderators" audit log takes these over.
CareEventRow = _table(
    "care_event",
    _id(),
    _community_id(),
    _int("setback_id", "setback.id", optional=True),
    _str("kind", 20),
    # An alert: whose words were screened; a resume or reveal: the moderator who acted.
    _str("member_id", 100, optional=True),
    _text("reason", optional=True),
    _when("created_at"),
    Index("ix_care_event_post", "community_id", "setback_id"),
)


# A post whose outcome asks and reminders wait until a moderator resumes them.
CarePauseRow = _table(
    "care_pause",
    _community_id(key=True),
    _int("setback_id", "setback.id", key=True),
    _int("event_id", "care_event.id"),
    _when("paused_at"),
)


# A member"s own choices: no direct messages from Rebound.
MemberSettingRow = _table(
    "member_setting",
    _community_id(key=True),
    _str("member_id", 100, key=True),
    _flag("dm_opt_out", default=False),
    _when("updated_at"),
)


# A member"s data was removed at their request (`member_key`: a hash of their id, so
# the fact can be told to them again without keeping who they were).
ForgottenRow = _table(
    "forgotten_member",
    _community_id(key=True),
    _str("member_key", 64, key=True),
    _str("request", 40, key=True),
    _when("forgotten_at"),
)


# --- installations (issue 11): one per community, with its platform secrets sealed --------

# An app installed in a community (a Slack workspace or organisation). Tokens are
# stored sealed (bot/store/secrets.py), never in the clear; `revision` rises with every
# change, so a replica"s cached copy can tell it is stale.
InstallationRow = _table(
    "installation",
    _community_id(key=True),
    _str("enterprise_id", 40, optional=True),
    _str("team_id", 40, optional=True),
    _str("app_id", 40, optional=True),
    _str("bot_id", 40),
    _str("bot_user_id", 40),
    _text("bot_scopes"),
    _text("bot_token"),
    _text("bot_refresh_token", optional=True),
    _when("bot_token_expires_at", optional=True),
    _str("installer_user_id", 40, optional=True),
    _flag("is_enterprise_install", default=False),
    _when("installed_at"),
    _int("revision", default=1, server_default="1"),
)


# An OAuth `state` handed to an installer"s browser: used once, before it expires.
OAuthStateRow = _table(
    "oauth_state",
    _str("state", 100, key=True),
    _when("expires_at", index=True),
)


# Who changed a community"s settings, when, and what (each field"s old and new value).
CommunitySettingChangeRow = _table(
    "community_setting_change",
    _id(),
    _community_id(),
    _str("changed_by", 100),
    _when("changed_at"),
    _json("changes"),
    Index("ix_community_setting_change", "community_id", "changed_at"),
)


# --- moderators and the library (issue 9) -----------------------------------------------

# One moderator action: who, what, when, on what, why. Append-only: a trigger on both
# databases refuses UPDATE and DELETE (migration 0009_library).
AuditEntryRow = _table(
    "audit_entry",
    _id(),
    _community_id(),
    _str("actor_id", 100),
    _str("actor_name", 200),
    _str("action", 40),
    _int("setback_id", optional=True),
    _int("reply_id", optional=True),
    # The member acted upon (a reply's author, a named poster); never an anonymous poster.
    _str("member_id", 100, optional=True),
    _text("reason"),
    _when("created_at"),
    Index("ix_audit_entry_actor", "community_id", "actor_id"),
    Index("ix_audit_entry_setback", "community_id", "setback_id"),
    Index("ix_audit_entry_recent", "community_id", "id"),
    Index("ix_audit_entry_member", "community_id", "member_id"),
)


# A reply in the library: featured by a moderator (under a topic, with a one-line
# summary), or a best answer its poster marked (`featured` false: its summary is the
# reply"s opening, its topic empty; it shows while the reply stays marked).
FeaturedAnswerRow = _table(
    "featured_answer",
    _id(),
    _community_id(),
    _int("reply_id", "reply.id"),
    _int("setback_id", "setback.id", index=True),
    _str("topic", 80),
    _str("summary", 200),
    _str("featured_by", 100),
    _when("featured_at"),
    _when("updated_at"),
    _flag("featured", default=True, server_default=true()),
    UniqueConstraint("community_id", "reply_id", name="uq_featured_reply"),
    Index("ix_featured_answer_topic", "community_id", "topic"),
)


# A library answer a member posted into their own post"s thread: posted there once,
# and offered in that post"s outcome form as something they may have acted on.
LibraryShareRow = _table(
    "library_share",
    # No foreign keys: forgetting a member or expiring posts removes these rows with the
    # library entries (bot/store/member_data_repo.py), in whichever order it deletes.
    _int("setback_id", key=True),
    _int("reply_id", key=True),
    _str("community_id", 100),
    _when("shared_at"),
    Index("ix_library_share_reply", "reply_id"),
)


# A reply a moderator hid, and why: it leaves the library and every listing.
HiddenReplyRow = _table(
    "hidden_reply",
    _int("reply_id", "reply.id", key=True),
    _community_id(),
    _text("reason"),
    _str("hidden_by", 100),
    _when("hidden_at"),
)


# A post a moderator locked (it takes no replies until reopened), and why.
PostLockRow = _table(
    "post_lock",
    _int("setback_id", "setback.id", key=True),
    _community_id(),
    _text("reason"),
    _str("locked_by", 100),
    _when("locked_at"),
)


# A topic a community added to the list in content/ (words.yaml `library_topics`).
LibraryTopicRow = _table(
    "library_topic",
    _community_id(key=True),
    _str("name", 80, key=True),
    _str("added_by", 100),
    _when("added_at"),
)


# A member who turned off similar-setback suggestions.
LibraryPreferenceRow = _table(
    "library_preference",
    _community_id(key=True),
    _str("member_id", 100, key=True),
    _flag("suggestions_off", default=False),
)


# One weekly digest per community and week: the row is claimed in the transaction that
# stores the digest in the outbox, so two workers (or a restart) send it once.
DigestSentRow = _table(
    "digest_sent",
    _community_id(key=True),
    _str("week", 10, key=True),
    _when("sent_at"),
)


# --- the moderators' web page (issue 13): rollups kept in the transaction that records -----
# --- an outcome, a post or a reply, so the outcomes page reads a few rows, whatever the past -

# Outcomes counted by result, per month reported (`dimension` "month", bucket
# "2026-03"), per stage and per kind of the post (bucket "" when it named none).
OutcomeRollupRow = _table(
    "outcome_rollup",
    _str("community_id", 100, key=True),
    _str("dimension", 10, key=True),
    _str("bucket", 30, key=True),
    *_counts_by_result(),
)


# Outcomes counted by result for what the poster acted on: a helper"s replies
# (`subject` "helper", keyed by author id) or a template sent (keyed by its key).
ActedRollupRow = _table(
    "acted_rollup",
    _str("community_id", 100, key=True),
    _str("subject", 10, key=True),
    _str("subject_key", 100, key=True),
    _str("label", 200),
    *_counts_by_result(),
    _int("total", default=0),
    Index("ix_acted_rollup_total", "community_id", "subject", "total"),
)


# When a post got its first reply from someone other than its poster (one row per
# post, written once: how the rollup below knows a reply is the first).
FirstReplyRow = _table(
    "first_reply",
    _int("setback_id", "setback.id", key=True),
    _str("community_id", 100),
    _when("replied_at"),
)


# Posts counted per community (`minutes` -1), and first replies counted by how long
# they took (`minutes`: the bucket"s lower bound; minutes, then hours, then days).
ReplyTimeRollupRow = _table(
    "reply_time_rollup",
    _str("community_id", 100, key=True),
    _int("minutes", key=True),
    _int("count", default=0),
)


@cache
def schema() -> MetaData:
    """Every table with all its indexes: what migrations build and are checked against."""
    for name, column, where in _PARTIAL_INDEXES:
        Index(name, column, postgresql_where=text(where), sqlite_where=text(where))
    return metadata
