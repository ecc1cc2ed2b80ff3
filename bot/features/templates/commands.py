"""The template command: list and search the library, fill a template in, preview it
privately, then send it to oneself or post it in one's thread."""

from __future__ import annotations

from collections.abc import Mapping

from bot.common.context import Context
from bot.contract.actions import FormKind, Parsed, Verb, action_id, form_id
from bot.contract.events import FormSubmitted
from bot.contract.intents import (
    Button,
    DirectTo,
    Form,
    FormField,
    Intent,
    Message,
    Notice,
    OpenForm,
    Send,
    Thread,
)
from bot.domain.errors import FormInvalid, RuleViolation
from bot.domain.member_text import balance_directions, neutralise_mentions, shown
from bot.domain.model import Member, Post
from bot.domain.rules import FormValues, form_text
from bot.features.answers.replies import post_of_poster
from bot.features.lifecycle.status_card import poster_name, shown_author
from bot.features.templates import moderation as community_templates
from bot.features.templates.catalogue import CommunityLibrary, library_for
from bot.features.templates.words import listing, preview_text, variant_label, variants_line
from bot.words.templates.model import CHANNELS, REGISTERS, Placeholder, Template, Variant
from bot.words.templates.records import Draft
from bot.words.templates.rendering import MissingValues, Rendered, render

VALUE_MAX = 300
LONG_VALUE_MAX = 1500
VIA_DIRECT = "direct"
VIA_THREAD = "thread"
# Placeholders Rebound can fill from the member's open post.
STAGE_PLACEHOLDER = "stage"


async def command(ctx: Context, actor: Member, text: str) -> list[Intent]:
    """`/template`, `/template <id> [channel] [register]`, `/template <search words>`, or a
    moderator's `/template add|edit|disable|enable`."""
    words = text.split()
    if words and words[0].lower() in community_templates.VERBS:
        return await community_templates.command(ctx, actor, words)
    library = await library_for(ctx)
    if not words:
        return [_listing_notice(ctx, actor, library, library.templates, "template.list.header")]
    template = library.get(words[0].lower())
    if template is not None:
        return await _open_fill_form(ctx, actor, template, words[1:])
    found = library.search(text)
    if not found:
        raise RuleViolation(
            "template.search.none",
            query=text,
            keys=", ".join(t.key for t in library.templates),
        )
    return [_listing_notice(ctx, actor, library, found, "template.search.header", query=text)]


def _listing_notice(
    ctx: Context,
    actor: Member,
    library: CommunityLibrary,
    templates: tuple[Template, ...],
    header: str,
    **params: object,
) -> Notice:
    body = listing(ctx, library, templates)
    parts = (
        ctx.say(header, count=len(templates), **params),
        body.text,
        ctx.say("template.list.footer"),
    )
    return Notice(user_id=actor.user_id, message=Message(text="\n\n".join(parts), links=body.links))


def _chosen_variant(ctx: Context, template: Template, args: list[str]) -> Variant:
    channel = register = None
    for arg in (a.lower() for a in args):
        if arg in CHANNELS and channel is None:
            channel = arg
        elif arg in REGISTERS and register is None:
            register = arg
        else:
            channel = register = "?"
    variant = template.variant(channel, register)
    if variant is None:
        raise RuleViolation(
            "template.no_variant",
            title=template.title,
            asked=" ".join(args),
            variants=variants_line(ctx, template),
        )
    return variant


async def _open_fill_form(
    ctx: Context, actor: Member, template: Template, args: list[str]
) -> list[Intent]:
    variant = _chosen_variant(ctx, template, args)
    post = await _open_post(ctx, actor)
    if not template.placeholders:
        return await _preview(
            ctx, actor, template, variant, values={}, setback_id=post.id if post else None
        )
    known = await ctx.repo.templates.last_values(ctx.community_id, actor.user_id)
    if post and post.stage:
        known[STAGE_PLACEHOLDER] = ctx.say(f"stage.{post.stage}").lower()
    fields = tuple(_placeholder_field(ctx, p, known.get(p.name, "")) for p in template.placeholders)
    form = Form(
        form_id=form_id(FormKind.TEMPLATE, template.key, variant.channel, variant.register),
        title=ctx.say("form.template.title"),
        submit_label=ctx.say("form.template.submit"),
        fields=fields,
    )
    return [OpenForm(user_id=actor.user_id, form=form)]


def _placeholder_field(ctx: Context, placeholder: Placeholder, initial: str) -> FormField:
    limit = LONG_VALUE_MAX if placeholder.long else VALUE_MAX
    return FormField(
        name=placeholder.name,
        label=placeholder.label,
        kind="long_text" if placeholder.long else "text",
        required=placeholder.required,
        max_length=limit,
        initial=initial[:limit],
        hint=ctx.say(
            "template.field_hint", description=placeholder.description, example=placeholder.example
        ),
    )


def _values(template: Template, submitted: FormValues) -> dict[str, str]:
    """The declared placeholders' values; a missing required one or an over-long one is
    refused field by field, and nothing is kept."""
    values: dict[str, str] = {}
    problems: dict[str, RuleViolation] = {}
    for placeholder in template.placeholders:
        value = form_text(submitted, placeholder.name)
        limit = LONG_VALUE_MAX if placeholder.long else VALUE_MAX
        if len(value) > limit:
            problems[placeholder.name] = RuleViolation(
                "error.field_too_long", field=placeholder.name, limit=limit, length=len(value)
            )
        elif placeholder.required and not value:
            problems[placeholder.name] = RuleViolation(
                "template.missing_value", field=placeholder.name, label=placeholder.label
            )
        values[placeholder.name] = value
    if problems:
        raise FormInvalid(problems)
    return values


async def submit_fill(ctx: Context, event: FormSubmitted, parsed: Parsed) -> list[Intent]:
    key, channel, register = (*parsed.args, "", "", "")[:3]
    template, variant = _template_variant(await library_for(ctx), key, channel, register)
    values = _values(template, event.values)
    post = await _open_post(ctx, event.actor)
    return await _preview(
        ctx, event.actor, template, variant, values=values, setback_id=post.id if post else None
    )


async def _open_post(ctx: Context, actor: Member) -> Post | None:
    """The member's newest post still open for replies: what their template is for."""
    posts = await ctx.repo.open_setbacks_of(ctx.community_id, actor.user_id)
    return posts[0] if posts else None


def _template_variant(
    library: CommunityLibrary, key: str, channel: str, register: str
) -> tuple[Template, Variant]:
    template = library.get(key)
    variant = template.variant(channel, register) if template else None
    if template is None or variant is None:
        raise RuleViolation("template.gone", template=key)
    return template, variant


def _rendered(template: Template, variant: Variant, values: Mapping[str, str]) -> Rendered:
    """The filled text, safe to show: each value isolated, the whole ping-free and with no
    direction control left open (a community's template is member text too). A template
    edited since the draft may need more values."""
    try:
        rendered = render(template, variant, {name: shown(v) for name, v in values.items()})
    except MissingValues:
        raise RuleViolation("template.gone", template=template.key) from None
    return Rendered(subject=_safe(rendered.subject), text=_safe(rendered.text))


def _safe(text: str) -> str:
    return balance_directions(neutralise_mentions(text))


async def _preview(
    ctx: Context,
    actor: Member,
    template: Template,
    variant: Variant,
    *,
    values: Mapping[str, str],
    setback_id: int | None,
) -> list[Intent]:
    """Keep the filled template as a draft and show it privately with what to do next."""
    rendered = _rendered(template, variant, values)
    draft_id = await ctx.repo.templates.add_draft(
        ctx.community_id,
        actor.user_id,
        template_key=template.key,
        template_version=template.version,
        channel=variant.channel,
        register=variant.register,
        values=values,
        setback_id=setback_id,
        now=ctx.now,
    )
    buttons = [
        Button(
            label=ctx.say("button.template_send"),
            action_id=action_id(Verb.TEMPLATE_SEND, draft_id),
            style="primary",
        )
    ]
    if setback_id is not None:
        buttons.append(
            Button(
                label=ctx.say("button.template_post"),
                action_id=action_id(Verb.TEMPLATE_POST, draft_id),
            )
        )
    if len(template.variants) > 1:
        buttons.append(
            Button(
                label=ctx.say("button.template_other"),
                action_id=action_id(Verb.TEMPLATE_OTHER, draft_id),
            )
        )
    text = preview_text(ctx, template, variant, rendered.subject, rendered.text)
    return [Notice(user_id=actor.user_id, message=Message(text=text, buttons=tuple(buttons)))]


async def _own_draft(
    ctx: Context, actor: Member, draft_id: int | None
) -> tuple[Draft, Template, Variant]:
    draft = await ctx.repo.templates.draft(ctx.community_id, draft_id) if draft_id else None
    if draft is None or draft.member_id != actor.user_id:
        raise RuleViolation("template.not_yours")
    library = await library_for(ctx)
    template, variant = _template_variant(
        library, draft.template_key, draft.channel, draft.register
    )
    return draft, template, variant


async def send_privately(ctx: Context, actor: Member, draft_id: int | None) -> list[Intent]:
    draft, template, variant = await _own_draft(ctx, actor, draft_id)
    rendered = _rendered(template, variant, draft.values)
    if draft.setback_id is not None:
        await ctx.repo.templates.add_use(
            draft, draft.setback_id, template.title, VIA_DIRECT, ctx.now
        )
    text = preview_text(ctx, template, variant, rendered.subject, rendered.text)
    return [
        Send(target=DirectTo(user_id=actor.user_id), message=Message(text=text)),
        ctx.notice(actor, "template.sent_privately", title=template.title),
    ]


async def post_in_thread(ctx: Context, actor: Member, draft_id: int | None) -> list[Intent]:
    """The poster shares the filled template in their post's thread, under the name (or
    pseudonym) the thread already knows them by."""
    draft, template, variant = await _own_draft(ctx, actor, draft_id)
    post = await post_of_poster(ctx, actor, draft.setback_id)
    if post.is_closed or post.thread_ref is None:
        raise RuleViolation("error.thread_closed", title=post.title)
    withheld = {
        p.name: ctx.say("template.withheld", label=p.label)
        for p in template.placeholders
        if p.identifying
    }
    rendered = _rendered(template, variant, {**draft.values, **withheld})
    if not await ctx.repo.templates.add_use(draft, post.id, template.title, VIA_THREAD, ctx.now):
        raise RuleViolation("template.already_posted", title=post.title)
    header = ctx.say("template.posted", author=poster_name(post), title=template.title)
    subject = (
        ctx.say("template.preview.subject", subject=rendered.subject) if rendered.subject else ""
    )
    body = "\n\n".join(part for part in (header, subject, rendered.text) if part)
    message = Message(text=body, author=shown_author(ctx, post) if post.anonymous else None)
    return [
        Send(target=Thread(thread_ref=post.thread_ref), message=message),
        ctx.notice(actor, "template.posted_notice", title=post.title),
    ]


async def other_variants(ctx: Context, actor: Member, draft_id: int | None) -> list[Intent]:
    draft, template, current = await _own_draft(ctx, actor, draft_id)
    buttons = tuple(
        Button(
            label=variant_label(ctx, v.channel, v.register),
            action_id=action_id(Verb.TEMPLATE_VARIANT, draft.id, v.channel, v.register),
        )
        for v in template.variants
        if v != current
    )
    text = ctx.say("template.other.header", title=template.title)
    return [Notice(user_id=actor.user_id, message=Message(text=text, buttons=buttons))]


async def choose_variant(ctx: Context, actor: Member, parsed: Parsed) -> list[Intent]:
    """The same values in another channel or register: a new draft, previewed again."""
    draft, template, _ = await _own_draft(ctx, actor, parsed.number())
    channel, register = (*parsed.args[1:], "", "")[:2]
    _, variant = _template_variant(await library_for(ctx), template.key, channel, register)
    return await _preview(
        ctx, actor, template, variant, values=draft.values, setback_id=draft.setback_id
    )
