"""Who may moderate: as everywhere in Rebound, what the platform says (`Member.is_moderator`:
a Slack user group, a Discord role or Manage Threads, the console's flag)."""

from __future__ import annotations

from bot.domain.errors import RuleViolation
from bot.domain.model import Member


def require_moderator(actor: Member) -> None:
    """Refuse (privately, changing nothing) anyone who does not moderate."""
    if not actor.is_moderator:
        raise RuleViolation("moderation.moderators_only")
