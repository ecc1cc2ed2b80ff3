"""Who a Slack user is, for the core: a display name and whether they moderate.

Names come from `users.info`; moderators are the members of the configured user group
(`usergroups.users.list`) and the workspace's admins and owners. Both are cached for a
few minutes, so a busy thread costs no extra Web API calls. A look-up runs before the
event is acknowledged, so it gets LOOKUP_BUDGET_S; past that the payload's name is used
(not cached) and the ack stays well inside Slack's 3 seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.web import API_FAILURES
from bot.api import Member

log = logging.getLogger(__name__)

TTL_S = 300.0
LOOKUP_BUDGET_S = 1.0


@dataclass(frozen=True)
class _Profile:
    name: str
    admin: bool
    fetched_at: float


class Directory:
    def __init__(
        self,
        client: AsyncWebClient,
        moderators_group: str | None,
        *,
        ttl_s: float = TTL_S,
        clock: Callable[[], float] = time.monotonic,
        lookup_budget_s: float = LOOKUP_BUDGET_S,
    ) -> None:
        self._client = client
        self._budget_s = lookup_budget_s
        self._group = moderators_group
        self._ttl_s = ttl_s
        self._clock = clock
        self._profiles: dict[str, _Profile] = {}
        self._moderators: tuple[frozenset[str], float] | None = None

    async def member(self, user_id: str, fallback_name: str = "") -> Member:
        profile = await self._profile(user_id, fallback_name)
        moderator = profile.admin or user_id in await self._group_members()
        return Member(user_id=user_id, display_name=profile.name, is_moderator=moderator)

    async def is_admin(self, user_id: str) -> bool:
        """A workspace admin or owner (not merely in the moderators' group)."""
        return (await self._profile(user_id, "")).admin

    def cached(self, user_id: str) -> bool:
        """Whether `member(user_id)` can answer without calling Slack (its profile is
        fresh; the moderators' group may still be fetched, once for everyone)."""
        profile = self._profiles.get(user_id)
        return profile is not None and self._fresh(profile.fetched_at)

    def _fresh(self, fetched_at: float) -> bool:
        return self._clock() - fetched_at < self._ttl_s

    async def _profile(self, user_id: str, fallback_name: str) -> _Profile:
        cached = self._profiles.get(user_id)
        if cached is not None and self._fresh(cached.fetched_at):
            return cached
        try:
            found = await asyncio.wait_for(self._client.users_info(user=user_id), self._budget_s)
            user = found["user"]
        except API_FAILURES as failure:
            log.warning("users.info failed (%s); using the payload's name", type(failure).__name__)
            return _Profile(fallback_name or user_id, admin=False, fetched_at=self._clock())
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or fallback_name
            or user_id
        )
        admin = bool(user.get("is_admin") or user.get("is_owner"))
        fresh = _Profile(str(name), admin, self._clock())
        self._profiles[user_id] = fresh
        return fresh

    async def _group_members(self) -> frozenset[str]:
        if not self._group:
            return frozenset()
        if self._moderators is not None and self._fresh(self._moderators[1]):
            return self._moderators[0]
        try:
            found = await asyncio.wait_for(
                self._client.usergroups_users_list(usergroup=self._group), self._budget_s
            )
        except API_FAILURES as failure:
            log.warning("usergroups.users.list failed (%s)", type(failure).__name__)
            return self._moderators[0] if self._moderators else frozenset()
        members = frozenset(str(user) for user in found.get("users") or [])
        self._moderators = (members, self._clock())
        return members
