"""The bot scopes Rebound needs: the ones deploy/slack-manifest.yaml asks for (a test keeps
the two equal; `rebound doctor` checks a token holds every one)."""

from __future__ import annotations

BOT_SCOPES = frozenset(
    {
        "commands",
        "chat:write",
        "chat:write.customize",
        "channels:history",
        "groups:history",
        "im:history",
        "im:write",
        "reactions:read",
        "users:read",
        "usergroups:read",
    }
)
