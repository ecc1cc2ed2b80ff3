"""How templates are named in bot copy: variants, listings and the uses an outcome lists."""

from __future__ import annotations

from collections.abc import Iterable

from bot.common.context import Context
from bot.contract.intents import Link, Message
from bot.features.templates.catalogue import CommunityLibrary
from bot.words.templates.model import Template, Variant
from bot.words.templates.records import TemplateUse


def variant_label(ctx: Context, channel: str, register: str) -> str:
    return ctx.say(
        "template.variant",
        channel=ctx.say(f"channel.{channel}"),
        register=ctx.say(f"register.{register}"),
    )


def variants_line(ctx: Context, template: Template) -> str:
    """Each channel with its registers: `email (formal, warm and informal); letter (formal)`."""
    return "; ".join(
        ctx.say(
            "template.channel_registers",
            channel=ctx.say(f"channel.{channel}"),
            registers=", ".join(
                ctx.say(f"register.{v.register}") for v in template.variants if v.channel == channel
            ),
        )
        for channel in template.channels
    )


def use_label(ctx: Context, use: TemplateUse) -> str:
    return ctx.say(
        "template.use_label",
        title=use.template_title,
        variant=variant_label(ctx, use.channel, use.register),
    )


def _item(ctx: Context, template: Template) -> str:
    key = "template.list.item_community" if template.community else "template.list.item"
    return ctx.say(
        key,
        template=template.key,
        title=template.title,
        when=template.when,
        variants=variants_line(ctx, template),
    )


def _origin_links(ctx: Context, templates: Iterable[Template]) -> tuple[Link, ...]:
    return tuple(
        Link(label=ctx.say("template.list.origin", title=t.title), message_ref=t.origin.message_ref)
        for t in templates
        if t.origin is not None and t.origin.message_ref
    )


def listing(ctx: Context, library: CommunityLibrary, templates: tuple[Template, ...]) -> Message:
    """`templates` grouped by situation, the community's own marked, origins linked."""
    lines: list[str] = []
    for situation in library.builtin.situations:
        group = [t for t in templates if t.situation == situation.id]
        if group:
            lines.append(ctx.say("template.list.situation", title=situation.title))
            lines.extend(_item(ctx, t) for t in group)
    unplaced = [t for t in templates if library.builtin.situation_title(t.situation) is None]
    if unplaced:
        lines.append(ctx.say("template.list.community_group"))
        lines.extend(_item(ctx, t) for t in unplaced)
    return Message(text="\n".join(lines), links=_origin_links(ctx, templates))


def preview_text(
    ctx: Context, template: Template, variant: Variant, subject: str, body: str
) -> str:
    parts = [
        ctx.say(
            "template.preview.header",
            title=template.title,
            variant=variant_label(ctx, variant.channel, variant.register),
        )
    ]
    if subject:
        parts.append(ctx.say("template.preview.subject", subject=subject))
    parts.append(body)
    return "\n\n".join(parts)
