"""The bot scopes Rebound needs, in the order deploy/slack-manifest.yaml lists them (a test
keeps the two equal). The OAuth flow asks for them, a start finds the ones an installation
lacks, and `rebound doctor` checks a token holds every one."""

from __future__ import annotations

BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.customize",
    "channels:history",
    "channels:join",  # after /rebound setup, Rebound joins the public channels chosen
    "groups:history",
    "im:history",
    "im:write",
    "reactions:read",
    "users:read",
    "usergroups:read",
    "files:write",  # /rebound my-data: the member's export, uploaded into their DM
)
