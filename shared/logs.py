"""Logs: one JSON object per line, for every process of the network.

Each process's entry point calls `configure(<its name>)` once, before it
logs anything; nameko's, kombu's and gunicorn's loggers go through the same
root handler. A line holds `time` (UTC, ISO 8601), `level`, `service`,
`logger`, `message`, the `correlation_id` of the request or call being
served where there is one, and what the caller gave as `extra` (the
gateway's `method`, `path`, `route`, `status`, `duration_ms`, `role`).
Every value goes through the JSON encoder, ASCII only, so a carriage
return, a line feed or an ANSI escape in a request path is `\\r`, `\\n` or
`\\u001b` inside a string: no input can start a line of its own or colour a
terminal. A failure's traceback is a field of its line (`exc_info`).

Processes write to standard error; whoever starts them keeps the file
(shared.network: `<log dir>/<process>.log`, rotated by size by the
launcher, the one writer of each file, so gunicorn's several processes never
race over a rotation).
"""
from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import sys
import time
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

# The request or call being served now (the gateway sets it per request); "-" outside one.
CORRELATION_ID = contextvars.ContextVar("correlation_id", default="-")

FIELDS = ("asctime", "levelname", "name", "message")
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
MAX_BYTES = 10 * 1024 * 1024  # per file, before it is rotated
BACKUPS = 5


class _Correlation(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "correlation_id"):
            correlation_id = CORRELATION_ID.get()
            if correlation_id != "-":
                record.correlation_id = correlation_id
        return True


class Formatter(JsonFormatter):
    """python-json-logger's formatter with the network's field names; times in UTC with milliseconds."""

    converter = time.gmtime

    def __init__(self, service: str):
        super().__init__(FIELDS, rename_fields=RENAMED, static_fields={"service": service},
                         datefmt="%Y-%m-%dT%H:%M:%S", json_ensure_ascii=True)

    def formatTime(self, record, datefmt=None):
        return f"{super().formatTime(record, datefmt)}.{int(record.msecs):03d}Z"


def configure(service: str, level: int = logging.INFO, stream=None) -> logging.Handler:
    """The root logger writes JSON lines for `service` (standard error unless told); replaces any handler before."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(Formatter(service))
    handler.addFilter(_Correlation())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    return handler


def gunicorn_config(service: str) -> dict:
    """gunicorn's `logconfig_dict`: its error and access logs as JSON lines too."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "filters": ["correlation"],
               "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": Formatter, "service": service}},
        "filters": {"correlation": {"()": _Correlation}},
        "handlers": {"json": handler},
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["json"], "propagate": False},
        },
    }


class RotatingLines:
    """A process's output kept in a file rotated by size (`<file>.1` .. `<file>.<backups>`).

    A line that is not a JSON object (a crash before logging was configured,
    a library printing on its own) is wrapped in one, so that every line of
    the file parses and none can pass for a line of its own.
    """

    def __init__(self, path: Path, process: str, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        self.process = process
        self.handler = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                            encoding="utf-8")
        self.handler.setFormatter(logging.Formatter("%(message)s"))

    def write(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not line:
            return
        if not _is_json_object(line):
            line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "INFO",
                               "service": self.process, "logger": "output", "message": line})
        self.handler.handle(logging.makeLogRecord({"msg": line, "args": None}))  # under the handler's lock


def _is_json_object(line: str) -> bool:
    if not line.startswith("{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
