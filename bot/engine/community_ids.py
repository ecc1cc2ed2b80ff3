"""Community ids, formed and read in one place: `<platform>:<the platform's own id>`.

A Slack workspace is `slack:T0123` (an organisation-wide install `slack:E0123`), a Discord
server `discord:<guild id>`, the console `console:<name>`. Every row carries one and every
query filters on it, so two communities never see each other's posts.
"""

from __future__ import annotations

SEPARATOR = ":"


class BadCommunityId(ValueError):
    """Not `<platform>:<id>`."""


def format_community_id(platform: str, native_id: str) -> str:
    if not platform or SEPARATOR in platform or not native_id:
        raise BadCommunityId("a community id needs a platform and the platform's id")
    return f"{platform}{SEPARATOR}{native_id}"


def parse_community_id(community_id: str) -> tuple[str, str]:
    """(platform, the platform's own id)."""
    platform, separator, native_id = community_id.partition(SEPARATOR)
    if not separator or not platform or not native_id:
        raise BadCommunityId("a community id is <platform>:<id>")
    return platform, native_id


def platform_of(community_id: str) -> str:
    return community_id.partition(SEPARATOR)[0]
