"""What the store keeps about templates: community versions, members' drafts, and uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, kw_only=True)
class StoredTemplate:
    """A community template's current version, as its moderators wrote it."""

    id: int
    key: str
    version: int
    source: str
    disabled: bool
    origin_thread_ref: str | None
    origin_message_ref: str | None


@dataclass(frozen=True, kw_only=True)
class Draft:
    id: int
    community_id: str
    member_id: str
    template_key: str
    template_version: int
    channel: str
    register: str
    values: Mapping[str, str]
    setback_id: int | None
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class TemplateUse:
    id: int
    setback_id: int
    template_key: str
    template_title: str
    channel: str
    register: str
    via: str
    sent: bool
