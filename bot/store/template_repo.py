"""Community templates, template drafts and template uses: the SQL behind the library."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.statements import (
    COMMUNITY_TEMPLATE,
    COMMUNITY_TEMPLATE_VERSION,
    TEMPLATE_DRAFT,
    TEMPLATE_USE,
)
from bot.words.templates.records import Draft, StoredTemplate, TemplateUse

_CURRENT = select(
    COMMUNITY_TEMPLATE.c.id,
    COMMUNITY_TEMPLATE.c.key,
    COMMUNITY_TEMPLATE.c.current_version.label("version"),
    COMMUNITY_TEMPLATE_VERSION.c.source,
    COMMUNITY_TEMPLATE.c.disabled,
    COMMUNITY_TEMPLATE.c.origin_thread_ref,
    COMMUNITY_TEMPLATE.c.origin_message_ref,
).join(
    COMMUNITY_TEMPLATE_VERSION,
    and_(
        COMMUNITY_TEMPLATE_VERSION.c.template_id == COMMUNITY_TEMPLATE.c.id,
        COMMUNITY_TEMPLATE_VERSION.c.version == COMMUNITY_TEMPLATE.c.current_version,
    ),
)


def _stored(row: RowMapping) -> StoredTemplate:
    return StoredTemplate(**row)


def _draft(row: RowMapping) -> Draft:
    return Draft(
        id=row["id"],
        community_id=row["community_id"],
        member_id=row["member_id"],
        template_key=row["template_key"],
        template_version=row["template_version"],
        channel=row["channel"],
        register=row["register_name"],
        values=dict(row["values"]),
        setback_id=row["setback_id"],
        created_at=row["created_at"],
    )


def _use(row: RowMapping) -> TemplateUse:
    return TemplateUse(
        id=row["id"],
        setback_id=row["setback_id"],
        template_key=row["template_key"],
        template_title=row["template_title"],
        channel=row["channel"],
        register=row["register_name"],
        via=row["via"],
        sent=row["sent"],
    )


class TemplateRepo:
    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    # --- community templates --------------------------------------------------------------

    async def community_templates(self, community_id: str) -> list[StoredTemplate]:
        """Current versions of the community's templates, disabled ones included, by key."""
        rows = await self._db.execute(
            _CURRENT.where(COMMUNITY_TEMPLATE.c.community_id == community_id).order_by(
                COMMUNITY_TEMPLATE.c.key
            )
        )
        return [_stored(row) for row in rows.mappings()]

    async def community_template(self, community_id: str, key: str) -> StoredTemplate | None:
        row = await self._db.execute(
            _CURRENT.where(
                COMMUNITY_TEMPLATE.c.community_id == community_id,
                COMMUNITY_TEMPLATE.c.key == key,
            )
        )
        found = row.mappings().first()
        return _stored(found) if found else None

    async def add_community_template(
        self,
        community_id: str,
        key: str,
        source: str,
        *,
        created_by: str,
        origin_thread_ref: str | None,
        origin_message_ref: str | None,
        now: datetime,
    ) -> bool:
        """Add version 1 of a new template; False if the key is taken in this community."""
        inserted = await self._db.execute(
            self._insert(COMMUNITY_TEMPLATE)
            .values(
                community_id=community_id,
                key=key,
                current_version=1,
                disabled=False,
                origin_thread_ref=origin_thread_ref,
                origin_message_ref=origin_message_ref,
                created_by=created_by,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(COMMUNITY_TEMPLATE.c.id)
        )
        template_id = inserted.scalar()
        if template_id is None:
            return False
        await self._add_version(template_id, 1, source, created_by, now)
        return True

    async def add_version(
        self, stored: StoredTemplate, source: str, *, created_by: str, now: datetime
    ) -> int:
        """Save `source` as the template's next version and make it current."""
        version = stored.version + 1
        await self._add_version(stored.id, version, source, created_by, now)
        await self._db.execute(
            update(COMMUNITY_TEMPLATE)
            .where(COMMUNITY_TEMPLATE.c.id == stored.id)
            .values(current_version=version)
        )
        return version

    async def _add_version(
        self, template_id: int, version: int, source: str, created_by: str, now: datetime
    ) -> None:
        await self._db.execute(
            COMMUNITY_TEMPLATE_VERSION.insert().values(
                template_id=template_id,
                version=version,
                source=source,
                created_by=created_by,
                created_at=now,
            )
        )

    async def versions(self, template_id: int) -> list[str]:
        """Every saved source of a template, oldest first."""
        rows = await self._db.execute(
            select(COMMUNITY_TEMPLATE_VERSION.c.source)
            .where(COMMUNITY_TEMPLATE_VERSION.c.template_id == template_id)
            .order_by(COMMUNITY_TEMPLATE_VERSION.c.version)
        )
        return list(rows.scalars())

    async def set_disabled(self, template_id: int, disabled: bool) -> None:
        await self._db.execute(
            update(COMMUNITY_TEMPLATE)
            .where(COMMUNITY_TEMPLATE.c.id == template_id)
            .values(disabled=disabled)
        )

    # --- drafts ---------------------------------------------------------------------------

    async def add_draft(
        self,
        community_id: str,
        member_id: str,
        *,
        template_key: str,
        template_version: int,
        channel: str,
        register: str,
        values: Mapping[str, str],
        setback_id: int | None,
        now: datetime,
    ) -> int:
        inserted = await self._db.execute(
            TEMPLATE_DRAFT.insert()
            .values(
                community_id=community_id,
                member_id=member_id,
                template_key=template_key,
                template_version=template_version,
                channel=channel,
                register_name=register,
                values=dict(values),
                setback_id=setback_id,
                created_at=now,
            )
            .returning(TEMPLATE_DRAFT.c.id)
        )
        return int(inserted.scalar_one())

    async def draft(self, community_id: str, draft_id: int) -> Draft | None:
        row = await self._db.execute(
            select(TEMPLATE_DRAFT).where(
                TEMPLATE_DRAFT.c.community_id == community_id, TEMPLATE_DRAFT.c.id == draft_id
            )
        )
        found = row.mappings().first()
        return _draft(found) if found else None

    async def last_values(self, community_id: str, member_id: str) -> dict[str, str]:
        """What the member filled in their latest draft, to pre-fill the next one."""
        row = await self._db.execute(
            select(TEMPLATE_DRAFT.c["values"])
            .where(
                TEMPLATE_DRAFT.c.community_id == community_id,
                TEMPLATE_DRAFT.c.member_id == member_id,
            )
            .order_by(TEMPLATE_DRAFT.c.id.desc())
            .limit(1)
        )
        values = row.scalar()
        return dict(values) if values else {}

    # --- uses -----------------------------------------------------------------------------

    async def add_use(
        self, draft: Draft, setback_id: int, title: str, via: str, now: datetime
    ) -> bool:
        """Record that the draft went out `via` a way; False if it already had (one use)."""
        inserted = await self._db.execute(
            self._insert(TEMPLATE_USE)
            .values(
                community_id=draft.community_id,
                setback_id=setback_id,
                draft_id=draft.id,
                template_key=draft.template_key,
                template_title=title,
                channel=draft.channel,
                register_name=draft.register,
                via=via,
                sent=False,
                used_at=now,
            )
            .on_conflict_do_nothing()
            .returning(TEMPLATE_USE.c.id)
        )
        return inserted.scalar() is not None

    async def uses(self, community_id: str, setback_id: int) -> list[TemplateUse]:
        rows = await self._db.execute(
            select(TEMPLATE_USE)
            .where(
                TEMPLATE_USE.c.community_id == community_id,
                TEMPLATE_USE.c.setback_id == setback_id,
            )
            .order_by(TEMPLATE_USE.c.id)
        )
        return [_use(row) for row in rows.mappings()]

    async def mark_sent(self, community_id: str, setback_id: int, use_ids: Iterable[int]) -> None:
        await self._db.execute(
            update(TEMPLATE_USE)
            .where(
                TEMPLATE_USE.c.community_id == community_id,
                TEMPLATE_USE.c.setback_id == setback_id,
                TEMPLATE_USE.c.id.in_(list(use_ids)),
            )
            .values(sent=True)
        )
