"""`/rebound my-data`: everything Rebound keeps about the member, as JSON, sent privately.

Large exports are split into parts, each a complete JSON document under `PART_LIMIT`
bytes (Discord takes 10 MB a file without boosts; Slack far more), split between records,
never inside one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.common.context import Context
from bot.contract.intents import Intent, SendFile
from bot.domain.model import Member

log = logging.getLogger(__name__)

FORMAT = "rebound-member-data/1"
PART_LIMIT = 8_000_000
_POST_FIELDS = (
    "id",
    "title",
    "body",
    "anonymous",
    "pseudonym",
    "stage",
    "kind",
    "tags",
    "source",
    "created_at",
    "closed_at",
    "withdrawn_at",
)
_REPLY_FIELDS = ("id", "setback_id", "text", "relayed", "created_at", "edited_at", "deleted")
_OUTCOME_FIELDS = ("setback_id", "result", "events", "note", "created_at", "changed_at")
_USE_FIELDS = ("setback_id", "template_key", "template_title", "channel", "via", "sent", "used_at")


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _pick(rows: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
    return [{name: _plain(row[name]) for name in fields if name in row} for row in rows]


def _all(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{name: _plain(value) for name, value in row.items()} for row in rows]


async def gather(ctx: Context, member_id: str) -> dict[str, Any]:
    """The member's data by section (posts include anonymous ones: they are the member's)."""
    data = ctx.repo.care.data
    posts = await data.posts(ctx.community_id, member_id)
    post_ids = [row["id"] for row in posts]
    settings = await data.settings(ctx.community_id, member_id)
    return {
        "posts": _pick(posts, _POST_FIELDS),
        "replies": _pick(await data.replies(ctx.community_id, member_id), _REPLY_FIELDS),
        "best_marks_given": _all(await data.marks_given(ctx.community_id, member_id)),
        "appreciations_given": _all(await data.appreciations_given(ctx.community_id, member_id)),
        "outcomes": _pick(await data.outcomes(ctx.community_id, post_ids), _OUTCOME_FIELDS),
        "template_uses": _pick(await data.template_uses(ctx.community_id, post_ids), _USE_FIELDS),
        "care_events": _all(await data.care_events(ctx.community_id, member_id)),
        "settings": {"direct_messages": not (settings or {}).get("dm_opt_out", False)},
        "forgotten_at": [_plain(at) for at in await data.forgotten(ctx.community_id, member_id)],
    }


def split(header: Mapping[str, Any], sections: Mapping[str, Any], limit: int) -> list[bytes]:
    """JSON documents of at most `limit` bytes each (one record bigger than that goes alone),
    together holding every record of every section."""
    frame = len(json.dumps({**header, "part": 0, "parts": 0}).encode()) + 64
    # Every section is in the first part, if only empty; single values stay there.
    documents: list[dict[str, Any]] = [
        {name: [] if isinstance(value, list) else value for name, value in sections.items()}
    ]
    size, held = frame + len(json.dumps(documents[0], ensure_ascii=False).encode()), 0
    for name, value in sections.items():
        for record in value if isinstance(value, list) else []:
            cost = len(json.dumps(record, ensure_ascii=False).encode()) + len(name) + 8
            if size + cost > limit and held:
                documents.append({})
                size, held = frame, 0
            documents[-1].setdefault(name, []).append(record)
            size, held = size + cost, held + 1
    total = len(documents)
    return [
        json.dumps(
            {**header, "part": n, "parts": total, **document}, ensure_ascii=False, indent=1
        ).encode()
        for n, document in enumerate(documents, start=1)
    ]


async def my_data(ctx: Context, actor: Member, limit: int = PART_LIMIT) -> list[Intent]:
    sections = await gather(ctx, actor.user_id)
    header = {"format": FORMAT, "community": ctx.community_id, "exported_at": _plain(ctx.now)}
    only_forgotten = sections["forgotten_at"] and not any(
        sections[name] for name in sections if name not in {"forgotten_at", "settings"}
    )
    if only_forgotten:
        sections = {"forgotten_at": sections["forgotten_at"]}
    files = split(header, sections, limit)
    log.info("my-data: export of %s part(s)", len(files))
    stamp = ctx.now.strftime("%Y%m%d-%H%M%S")
    intents: list[Intent] = []
    for number, content in enumerate(files, start=1):
        key, params = (
            ("my_data.forgotten_only", {})
            if only_forgotten
            else ("my_data.file_note", {"part": number, "parts": len(files)})
        )
        intents.append(
            SendFile(
                user_id=actor.user_id,
                filename=f"rebound-my-data-{stamp}-{number}-of-{len(files)}.json",
                content=content,
                message=ctx.message(key, **params),
            )
        )
    summary = ctx.notice(
        actor,
        "my_data.sent",
        parts=len(files),
        posts=len(sections.get("posts", [])),
        replies=len(sections.get("replies", [])),
    )
    return [*intents, summary]
