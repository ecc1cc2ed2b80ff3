"""The servers one `rebound discord` process serves: each with its forum and its outbox.

A server is served once it has a forum: from DISCORD_SUPPORT_FORUM_ID (development: one
server, its settings from the environment) or from `/rebound setup` (stored per
community). Direct messages carry no server: they belong to the one server served, or,
with several, to the first served server the member shares with the bot.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from adapters.discord import inbound
from adapters.discord.outbox import DiscordOutbox


@dataclass(frozen=True)
class Served:
    community: inbound.Community
    outbox: DiscordOutbox


class Guilds:
    def __init__(self) -> None:
        self._by_guild: dict[int, Served] = {}
        self.home: int | None = None  # the server the environment names, if any

    def __iter__(self) -> Iterator[Served]:
        return iter(list(self._by_guild.values()))

    def __len__(self) -> int:
        return len(self._by_guild)

    def add(self, served: Served, *, home: bool = False) -> None:
        self._by_guild[served.community.guild_id] = served
        if home:
            self.home = served.community.guild_id

    def remove(self, guild_id: int) -> Served | None:
        if self.home == guild_id:
            self.home = None
        return self._by_guild.pop(guild_id, None)

    def of(self, guild_id: int | None) -> Served | None:
        return None if guild_id is None else self._by_guild.get(guild_id)

    def of_community(self, community_id: str) -> Served | None:
        return next((s for s in self if s.community.community_id == community_id), None)

    def main(self) -> Served | None:
        """The environment's server, else the only one served."""
        if self.home is not None:
            return self._by_guild.get(self.home)
        return next(iter(self._by_guild.values())) if len(self._by_guild) == 1 else None

    def for_member(self, mutual_guild_ids: list[int]) -> Served | None:
        """Where a member's direct messages belong (see the module's docstring)."""
        found = self.main()
        if found is not None and (len(self) == 1 or not mutual_guild_ids):
            return found
        return next((self._by_guild[g] for g in mutual_guild_ids if g in self._by_guild), found)
