"""Logs as JSON, one event a line: what log collectors (Loki, Elasticsearch,
CloudWatch) parse without a pattern.

Every line has ts (ISO 8601, UTC), level, logger and msg; then the record's
extras (`log.info("...", extra={"port": 50051})`), and call_id while a gRPC
call is being answered (the interceptor sets CALL_ID), so every line about
a call says which.

An exception's message is left out above DEBUG: it may quote the request
(a number, a name) that those lines must not hold; its type and where it
happened are kept.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from datetime import datetime, timezone
from typing import TextIO

# The call being answered on this thread, for every line logged meanwhile.
CALL_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("call_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What every LogRecord has: anything else on a record is an extra.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        call_id = CALL_ID.get()
        if call_id:
            event["call_id"] = call_id
        event.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info and record.exc_info[0] is not None:
            kind, error, tb = record.exc_info
            event["error"] = kind.__qualname__
            if record.levelno <= logging.DEBUG:
                event["error_message"] = str(error)
            event["traceback"] = "".join(traceback.format_tb(tb))
        if record.stack_info:
            event["stack"] = record.stack_info
        # ASCII: a line survives any locale and stream encoding, as valid JSON.
        return json.dumps(event, default=str)


def configure(level: str, json_lines: bool, stream: TextIO | None = None) -> None:
    """The root logger: JSON lines, or the human-readable text format."""
    handler = logging.StreamHandler(stream or (sys.stdout if json_lines else sys.stderr))
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
