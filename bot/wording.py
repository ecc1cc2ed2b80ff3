"""The catalogue of message keys the code uses and the parameters each one receives.

content/<locale>/messages.yaml must match it: every key present in English, no
unknown keys, and no placeholder a key does not receive.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.model import OutcomeEvent, OutcomeResult, SetbackKind, Stage


def _keys(*names: str, params: tuple[str, ...] = ()) -> dict[str, frozenset[str]]:
    return {name: frozenset(params) for name in names}


def _choices(prefix: str, values: list[str]) -> dict[str, frozenset[str]]:
    return _keys(*(f"{prefix}.{value}" for value in values))


_LABELS = _keys(
    "form.setback.title",
    "form.setback.submit",
    "form.relay.title",
    "form.relay.submit",
    "form.outcome.title",
    "form.outcome.submit",
    "field.title.label",
    "field.title.hint",
    "field.body.label",
    "field.body.hint",
    "field.stage.label",
    "field.kind.label",
    "field.tags.label",
    "field.tags.hint",
    "field.anonymous.label",
    "field.anonymous.hint",
    "field.ask_outcome_on.label",
    "field.text.label",
    "field.result.label",
    "field.events.label",
    "field.acted_on.label",
    "field.note.label",
    "field.note.hint",
    "button.reply_anonymously",
    "button.appreciate",
    "button.snooze",
    "button.stop_asking",
    "setback.status.open",
    "setback.status.update_shared",
    "setback.status.closed",
    "setback.best_header",
    "relay.no_post",
    "appreciate.already",
    "appreciate.own",
    "best.already",
    "best.not_marked",
    "error.field_empty",
    "error.not_markable",
    "error.unknown_message",
    "error.unknown_action",
    "error.unknown_message_action",
    "error.unexpected",
    "error.not_poster",
    "error.form_expired",
    "error.empty_message",
    "tag.answered",
    "tag.update_shared",
    "tag.closed",
    "conversation.multi",
    "conversation.yes_no",
    "conversation.how",
    "conversation.required",
    "conversation.cancelled",
    "conversation.retry",
    "conversation.word.skip",
    "conversation.word.cancel",
    "conversation.word.yes",
)

CATALOGUE: Mapping[str, frozenset[str]] = {
    **_LABELS,
    **_choices("stage", [s.value for s in Stage]),
    **_choices("kind", [k.value for k in SetbackKind]),
    **_choices("result", [r.value for r in OutcomeResult]),
    **_choices("event", [e.value for e in OutcomeEvent]),
    **_keys("field.ask_outcome_on.hint", params=("days",)),
    **_keys("anonymous.label", params=("pseudonym",)),
    **_keys("date.day", params=("date",)),
    **_keys("home.heading", "home.posts_heading", "home.no_posts", "home.asks_heading"),
    **_keys("home.no_asks", "home.templates"),
    **_keys("home.post", params=("title", "status", "date")),
    **_keys("home.ask", params=("title", "date")),
    **_keys("setback.detail", params=("detail",)),
    **_keys("link.reply", params=("author", "excerpt")),
    **_keys("setback.root", params=("title", "author", "details", "body", "status")),
    **_keys("setback.adopted", params=("author", "status")),
    **_keys("setback.posted_ack", params=("title", "ask_date")),
    **_keys("setback.posted_ack_anonymous", params=("title", "pseudonym", "ask_date")),
    **_keys("relay.done", params=("title",)),
    **_keys("relay.which", params=("count",)),
    **_keys("button.reply_in", params=("title",)),
    **_keys("appreciate.done", params=("author",)),
    **_keys("best.marked", params=("author",)),
    **_keys("best.unmarked", params=("author",)),
    **_keys("best.author_told", params=("title",)),
    **_keys("reminder.best", params=("title", "count")),
    **_keys("nudge.unanswered", params=("title", "hours")),
    **_keys("outcome.ask", params=("title", "days")),
    **_keys("outcome.snoozed", params=("date",)),
    **_keys("outcome.stopped", params=("title",)),
    **_keys("outcome.already_shared", params=("title",)),
    **_keys("outcome.waiting", params=("date",)),
    **_keys("outcome.waiting_last", params=("title",)),
    **_keys("outcome.update.headline", params=("author", "result")),
    **_keys("outcome.update.events", params=("events",)),
    **_keys("outcome.update.acted_on", params=("names",)),
    **_keys("outcome.update.note", params=("note",)),
    **_keys("outcome.thanks", params=("title",)),
    **_keys("outcome.told_acted", params=("name", "author", "title", "result")),
    **_keys("outcome.told", params=("author", "title", "result")),
    **_keys("thread.closed_note", params=("days",)),
    **_keys("error.thread_closed", params=("title",)),
    **_keys("error.field_too_long", params=("limit", "length")),
    **_keys("error.unknown_choice", params=("value",)),
    **_keys("error.tag_too_long", params=("limit",)),
    **_keys("error.too_many_tags", params=("limit",)),
    **_keys("error.bad_ask_date", params=("value",)),
    **_keys("error.unknown_reply", params=("value",)),
    **_keys("error.not_your_post", params=("title",)),
    **_keys("error.unknown_command", params=("command",)),
    **_keys("conversation.question", params=("form", "label")),
    **_keys("conversation.option", params=("number", "label")),
    **_keys("conversation.options", params=("options",)),
    **_keys("conversation.choose", params=("options",)),
    **_keys("conversation.bad_choice", params=("value",)),
    **_keys("conversation.problem", params=("label", "problem")),
}

WORD_LISTS = frozenset({"pseudonym_adjectives", "pseudonym_animals"})
