"""Log lines as plain text (the default) or as one JSON object a line
(`REBOUND_LOG_FORMAT=json`), for a log pipeline to index.

A JSON line holds the time, level, logger and the rendered message (Rebound's messages
carry types, ids and counts, never members' words), plus the fields a line was given as
`extra` (event type, event id, community, result, latency). An exception contributes its
type and frames, never its message, which can quote what someone wrote.
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
# What every LogRecord has; anything else on a record came as `extra`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_SCALARS = (str, int, float, bool, type(None))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and isinstance(value, _SCALARS):
                line[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            failure = record.exc_info[1]
            line["error_type"] = type(failure).__name__
            line["stack"] = "".join(traceback.format_tb(failure.__traceback__))
        return json.dumps(line, ensure_ascii=False)


def configure(level: str | int, log_format: str = "text") -> None:
    """The root logger's one handler, on stderr, in `log_format` ("text" or "json")."""
    if log_format not in FORMATS:
        raise ValueError(f"REBOUND_LOG_FORMAT must be one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    # Like logging.basicConfig: a process whose logging is set up already keeps it.
    logging.basicConfig(level=level, handlers=[handler])
