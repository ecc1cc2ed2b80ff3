"""Logging failures without what members wrote: exception messages can quote their words."""

from __future__ import annotations

import logging
import traceback


def log_failure(log: logging.Logger, what: str, failure: BaseException) -> None:
    """Log the failure's type and where it happened, never its message."""
    frames = "".join(traceback.format_tb(failure.__traceback__))
    log.error("%s failed with %s\n%s", what, type(failure).__name__, frames)
