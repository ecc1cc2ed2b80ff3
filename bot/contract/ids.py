"""Community ids: `<platform>:<the community's id on its platform>`, built and read here only."""

from __future__ import annotations

import re

_PLATFORM = re.compile(r"[a-z][a-z0-9_]*")


class CommunityId(str):
    """A community's id. It is a `str` (stored and compared as one), made only by `of` or
    `parse`, so a malformed id fails where it is made, not deep in a query."""

    __slots__ = ()

    @classmethod
    def of(cls, platform: str, native: str) -> CommunityId:
        if not _PLATFORM.fullmatch(platform):
            raise ValueError(f"not a platform name: {platform!r}")
        if not native or native != native.strip():
            raise ValueError("a community id needs its platform's id")
        return cls(f"{platform}:{native}")

    @classmethod
    def parse(cls, raw: str) -> CommunityId:
        platform, separator, native = raw.partition(":")
        if not separator:
            raise ValueError(f"not a community id: {raw!r}")
        return cls.of(platform, native)

    @property
    def platform(self) -> str:
        return self.partition(":")[0]

    @property
    def native(self) -> str:
        return self.partition(":")[2]
