"""Message keys of the moderation and library features and the parameters each receives
(merged into bot/words/wording.py's catalogue)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.moderation import LABELS


def _keys(*names: str, params: tuple[str, ...] = ()) -> dict[str, frozenset[str]]:
    return {name: frozenset(params) for name in names}


FEATURE_KEYS: Mapping[str, frozenset[str]] = {
    **_keys(
        "rebound.usage",
        "moderation.moderators_only",
        "moderation.not_a_reply",
        "moderation.hidden_placeholder",
        "moderation.reopened_note",
        "audit.none",
        "audit.withdrawn_post",
        "button.older",
        "button.more",
        "button.suggestions_off",
        "library.topic_needed",
        "library.reply_hidden",
        "library.not_featured",
        "library.record.none",
        "library.suggestions.header",
        "library.suggestions.off",
        "library.suggestions.on",
        "library.suggestions.usage",
        "form.feature.title",
        "form.feature.submit",
        "form.hide.title",
        "form.hide.submit",
        "form.unhide.title",
        "form.unhide.submit",
        "field.topic.label",
        "field.summary.label",
        "field.summary.hint",
        "field.unfeature.label",
        "field.reason.label",
        "library.state.answered",
        "library.open.none",
    ),
    **_keys("library.open.header", params=("count",)),
    **_keys("digest.header", params=("since",)),
    **_keys("digest.counts", params=("new", "unanswered", "outcomes")),
    **_keys("digest.featured", params=("count",)),
    **_keys("library.open.post", params=("number", "title", "author", "date")),
    **_keys(*LABELS.values()),
    **_keys("moderation.unknown_post", params=("value",)),
    **_keys(
        "moderation.already_hidden",
        "moderation.not_hidden",
        "moderation.hidden",
        "moderation.unhidden",
        params=("author",),
    ),
    **_keys("moderation.post_needed", params=("command",)),
    **_keys(
        "moderation.already_locked",
        "moderation.locked",
        "moderation.not_locked",
        "moderation.note_sent",
        params=("title",),
    ),
    **_keys("moderation.locked_note", params=("reason",)),
    **_keys("moderation.reopened", params=("title", "days")),
    **_keys("moderation.retagged", params=("title", "tags")),
    **_keys("moderation.note", params=("note",)),
    **_keys("audit.header", params=("count",)),
    **_keys("audit.on_post", params=("number", "title")),
    **_keys("audit.entry", params=("number", "date", "actor", "action")),
    **_keys("audit.reason", params=("reason",)),
    **_keys("library.topic_exists", "library.topic_added", params=("topic",)),
    **_keys("library.topics_full", params=("limit",)),
    **_keys("library.topics", params=("topics",)),
    **_keys("library.unfeatured", params=("title",)),
    **_keys("library.featured", "library.feature_edited", params=("title", "topic")),
    **_keys("library.none", params=("query", "topics")),
    **_keys("library.header", params=("query", "count")),
    **_keys("library.record.acted", "library.record.outcome", params=("author", "result")),
    **_keys("library.hit", params=("summary", "topic", "title", "record")),
    **_keys("library.hit_best", params=("summary", "title", "record")),
    **_keys("library.record.one_poster", "library.record.posters", params=("count", "results")),
    **_keys("library.record.result", params=("result", "count")),
    **_keys("library.share.post", params=("summary", "title", "record")),
    **_keys("library.share.done", "library.share.already", params=("title",)),
    **_keys("library.share.no_post", "library.share.gone"),
    **_keys("button.library_share", params=("summary",)),
    **_keys("library.link", params=("summary",)),
}

FEATURE_WORD_LISTS = frozenset({"library_topics"})
