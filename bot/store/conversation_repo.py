"""Answers given one private message at a time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.statements import CONVERSATION


class ConversationRepo:
    """Answers given one private message at a time (see bot/common/conversation.py)."""

    def __init__(self, connection: AsyncConnection, insert: Any) -> None:
        self._db = connection
        self._insert = insert

    async def get(self, community_id: str, user_id: str) -> dict[str, Any] | None:
        row = await self._db.execute(
            select(CONVERSATION.c.state).where(
                CONVERSATION.c.community_id == community_id, CONVERSATION.c.user_id == user_id
            )
        )
        state: dict[str, Any] | None = row.scalar()
        return state

    async def put(
        self, community_id: str, user_id: str, state: dict[str, Any], now: datetime
    ) -> None:
        statement = self._insert(CONVERSATION).values(
            community_id=community_id, user_id=user_id, state=state, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[CONVERSATION.c.community_id, CONVERSATION.c.user_id],
            set_={"state": statement.excluded.state, "updated_at": now},
        )
        await self._db.execute(statement)

    async def end(self, community_id: str, user_id: str) -> None:
        await self._db.execute(
            delete(CONVERSATION).where(
                CONVERSATION.c.community_id == community_id, CONVERSATION.c.user_id == user_id
            )
        )
