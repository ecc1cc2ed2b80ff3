"""Keeping secrets and members' words out of discord.py's log lines.

discord.py logs request URLs (an interaction's webhook URL holds its token) and, at debug
level, request bodies (members' words). URLs are masked; bodies never reach the log.
"""

from __future__ import annotations

import logging
import re

_WEBHOOK_TOKEN = re.compile(r"(/webhooks/\d+/|/interactions/\d+/)[^/\s?]+")


class HideSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return False
        record.msg = _WEBHOOK_TOKEN.sub(r"\1***", str(record.msg))
        if record.args:
            record.args = tuple(
                _WEBHOOK_TOKEN.sub(r"\1***", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        return True


def install() -> None:
    """On discord.py's loggers (idempotent)."""
    for name in (
        "discord",
        "discord.http",
        "discord.gateway",
        "discord.client",
        "discord.webhook.async_",
    ):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideSecrets) for f in logger.filters):
            logger.addFilter(HideSecrets())
