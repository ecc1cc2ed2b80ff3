"""Keeping secrets and members' words out of discord.py's log lines.

discord.py logs request URLs (an interaction's webhook URL holds its token) and, at debug
level, request bodies (members' words). URLs are masked; bodies never reach the log.
"""

from __future__ import annotations

import logging
import re

import discord  # noqa: F401  (its modules create their loggers on import; install needs them)

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
    """On every discord.py logger (idempotent). A filter on a logger does not apply to its
    children's records, so each module's logger gets its own."""
    names = [
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.split(".")[0] == "discord"
    ]
    for name in ["discord", *names]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideSecrets) for f in logger.filters):
            logger.addFilter(HideSecrets())
