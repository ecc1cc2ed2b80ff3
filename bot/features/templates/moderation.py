"""Moderators' own templates: added from YAML or from a best answer, edited (every version
kept), disabled and enabled again. Checked exactly like the built-in library."""

from __future__ import annotations

from bot.common.context import Context
from bot.common.forms import field, form
from bot.contract.actions import FormKind
from bot.contract.events import FormSubmitted, MessageActionInvoked
from bot.contract.intents import Intent, OpenForm
from bot.domain.errors import RuleViolation
from bot.domain.model import Member, Reply
from bot.domain.rules import form_text
from bot.features.templates.catalogue import RESERVED_KEYS, library_for
from bot.words.excerpt import excerpt
from bot.words.located_yaml import ContentError
from bot.words.templates.loading import TEXT_MAX, parse_snippet
from bot.words.templates.model import Template
from bot.words.templates.records import StoredTemplate

ADD, EDIT, DISABLE, ENABLE = "add", "edit", "disable", "enable"
VERBS = frozenset({ADD, EDIT, DISABLE, ENABLE})
SAVE_AS_TEMPLATE = "save_template"
SOURCE_MAX = 6000
# A best answer becomes a short warm message first; moderators can add variants later.
FROM_ANSWER_CHANNEL, FROM_ANSWER_REGISTER = "chat", "warm"


def _require_moderator(actor: Member) -> None:
    if not actor.is_moderator:
        raise RuleViolation("template.moderators_only")


def _source_form(
    ctx: Context, actor: Member, kind: FormKind, initial: str, *ids: object
) -> OpenForm:
    source = field(
        ctx,
        "source",
        "long_text",
        required=True,
        max_length=SOURCE_MAX,
        initial=initial[:SOURCE_MAX],
        hinted=True,
    )
    return OpenForm(user_id=actor.user_id, form=form(ctx, kind, [source], *ids))


async def command(ctx: Context, actor: Member, words: list[str]) -> list[Intent]:
    _require_moderator(actor)
    verb = words[0].lower()
    if verb == ADD:
        return [
            _source_form(ctx, actor, FormKind.TEMPLATE_ADD, ctx.say("template.snippet_example"))
        ]
    if len(words) < 2:
        raise RuleViolation("template.key_needed", verb=verb)
    stored = await _stored(ctx, words[1].lower())
    if verb == EDIT:
        return [_source_form(ctx, actor, FormKind.TEMPLATE_EDIT, stored.source, stored.key)]
    disabled = verb == DISABLE
    await ctx.repo.templates.set_disabled(stored.id, disabled)
    key = "template.disabled" if disabled else "template.enabled"
    return [ctx.notice(actor, key, template=stored.key)]


async def _stored(ctx: Context, key: str) -> StoredTemplate:
    stored = await ctx.repo.templates.community_template(ctx.community_id, key)
    if stored is not None:
        return stored
    if ctx.content.templates(ctx.settings.locale).get(key) is not None:
        raise RuleViolation("template.builtin_fixed", template=key)
    raise RuleViolation("template.not_community", template=key)


async def from_best_answer(ctx: Context, event: MessageActionInvoked) -> list[Intent]:
    """Start a community template from a best answer, remembering where it came from."""
    _require_moderator(event.actor)
    reply = await ctx.repo.reply_by_ref(ctx.community_id, event.message_ref)
    if reply is None or reply.deleted or not reply.is_best:
        raise RuleViolation("template.not_best")
    post = await ctx.repo.post(ctx.community_id, reply.setback_id)
    title = post.title if post else reply.text
    snippet = _snippet_from(ctx, reply, title)
    return [_source_form(ctx, event.actor, FormKind.TEMPLATE_ADD, snippet, reply.id)]


def _snippet_from(ctx: Context, reply: Reply, post_title: str) -> str:
    # Braces in the answer are literal text, not placeholders.
    text = reply.text[:TEXT_MAX].replace("{", "{{").replace("}", "}}")
    data = {
        "id": f"answer_{reply.id}",
        "title": ctx.say("template.from_best.title", title=excerpt(post_title, 50)),
        "when": ctx.say("template.from_best.when"),
        "variants": [
            {"channel": FROM_ANSWER_CHANNEL, "register": FROM_ANSWER_REGISTER, "text": text}
        ],
    }
    import yaml  # noqa: PLC0415  (rarely used: a start does not load YAML)

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)


async def _validated(ctx: Context, event: FormSubmitted) -> tuple[str, Template]:
    _require_moderator(event.actor)
    source = form_text(event.values, "source")
    if not source:
        raise RuleViolation("error.field_empty", field="source")
    if len(source) > SOURCE_MAX:
        raise RuleViolation(
            "error.field_too_long", field="source", limit=SOURCE_MAX, length=len(source)
        )
    library = await library_for(ctx)
    try:
        template = parse_snippet(source, library.builtin)
    except ContentError as problem:
        raise RuleViolation("template.invalid", field="source", problem=str(problem)) from None
    return source, template


async def submit_add(ctx: Context, event: FormSubmitted, reply_id: int | None) -> list[Intent]:
    source, template = await _validated(ctx, event)
    if template.key in RESERVED_KEYS or ctx.content.templates(ctx.settings.locale).get(
        template.key
    ):
        raise RuleViolation("template.key_taken", field="source", template=template.key)
    origin = await ctx.repo.reply(ctx.community_id, reply_id) if reply_id else None
    post = await ctx.repo.post(ctx.community_id, origin.setback_id) if origin else None
    added = await ctx.repo.templates.add_community_template(
        ctx.community_id,
        template.key,
        source,
        created_by=event.actor.user_id,
        origin_thread_ref=post.thread_ref if post else None,
        origin_message_ref=origin.message_ref if origin else None,
        now=ctx.now,
    )
    if not added:
        raise RuleViolation("template.key_taken", field="source", template=template.key)
    return [ctx.notice(event.actor, "template.added", template=template.key, title=template.title)]


async def submit_edit(ctx: Context, event: FormSubmitted, key: str) -> list[Intent]:
    source, template = await _validated(ctx, event)
    stored = await _stored(ctx, key)
    if template.key != stored.key:
        raise RuleViolation("template.key_changed", field="source", template=stored.key)
    version = await ctx.repo.templates.add_version(
        stored, source, created_by=event.actor.user_id, now=ctx.now
    )
    return [
        ctx.notice(
            event.actor,
            "template.saved",
            template=stored.key,
            title=template.title,
            version=version,
        )
    ]
