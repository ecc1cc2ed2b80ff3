"""Turning a community template's saved YAML back into a template."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.words.located_yaml import ContentError
from bot.words.templates.loading import parse_snippet
from bot.words.templates.model import Library, Origin, Template
from bot.words.templates.records import StoredTemplate

log = logging.getLogger(__name__)


def from_stored(stored: StoredTemplate, builtin: Library) -> Template | None:
    """The current version with its version number and origin; None if it no longer passes
    the checks (saved under an older built-in library whose shared placeholder has gone,
    say), so it stays hidden until a moderator edits it."""
    try:
        parsed = parse_snippet(stored.source, builtin, source=f"community template {stored.key}")
    except ContentError:
        log.warning("community template %s no longer validates", stored.key)
        return None
    origin = (
        Origin(thread_ref=stored.origin_thread_ref, message_ref=stored.origin_message_ref)
        if stored.origin_message_ref
        else None
    )
    return replace(parsed, key=stored.key, version=stored.version, origin=origin)
