"""Forms offered behind a button (see bot/common/form_offers.py). Kept for a day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.statements import FORM_OFFER

KEPT_FOR = timedelta(days=1)


class FormOfferRepo:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def put(
        self, community_id: str, user_id: str, form: dict[str, Any], now: datetime
    ) -> int:
        """Keep `form` for `user_id`; its offer id. Offers older than a day go."""
        await self._db.execute(delete(FORM_OFFER).where(FORM_OFFER.c.offered_at < now - KEPT_FOR))
        result = await self._db.execute(
            FORM_OFFER.insert()
            .values(community_id=community_id, user_id=user_id, form=form, offered_at=now)
            .returning(FORM_OFFER.c.id)
        )
        return int(result.scalar_one())

    async def get(
        self, community_id: str, user_id: str, offer_id: int, now: datetime
    ) -> dict[str, Any] | None:
        """The form offered to `user_id` under `offer_id`, if it is theirs and still kept."""
        result = await self._db.execute(
            select(FORM_OFFER.c.form).where(
                FORM_OFFER.c.id == offer_id,
                FORM_OFFER.c.community_id == community_id,
                FORM_OFFER.c.user_id == user_id,
                FORM_OFFER.c.offered_at >= now - KEPT_FOR,
            )
        )
        form: dict[str, Any] | None = result.scalar()
        return form
