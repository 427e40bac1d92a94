"""JSON logs: one object per line on stdout, with secrets redacted.

Records carry ``requestId``, ``accountId``, ``roleName``, ``action``, ``outcome`` and ``durationMs`` through
``extra=``. Quiet at scale: reconcile logs one INFO line per role outcome and per account, DEBUG for each call.
Level from ``EMR_BOOTSTRAP_LOG_LEVEL`` (default INFO).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import IO, Any

LOGGER_NAME = "emr_bootstrap"
LEVEL_VAR = "EMR_BOOTSTRAP_LOG_LEVEL"
REDACTED = "[REDACTED]"

# Keys whose values are never logged, wherever they appear (extra fields, nested dicts).
SENSITIVE_KEY = re.compile(r"secret|token|signature|password|passwd|credential|authorization|private", re.IGNORECASE)
# The same inside free text: "AccessKeySecret=abc", '"SecurityToken": "abc"', "Signature: abc".
_SENSITIVE_TEXT = re.compile(
    r"""(?P<key>[\w.-]*(?:secret|token|signature|password|passwd|authorization)[\w.-]*["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>[^\s"'&,;}]+)""",
    re.IGNORECASE,
)
# Attributes every LogRecord has; everything else came from ``extra=``.
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def redact_text(text: str) -> str:
    return _SENSITIVE_TEXT.sub(lambda m: m.group("key") + REDACTED, text)


def redact(value: object) -> object:
    """A copy of ``value`` with sensitive keys' values and sensitive ``key=value`` text replaced."""
    if isinstance(value, dict):
        return {key: REDACTED if SENSITIVE_KEY.search(str(key)) else redact(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Redacts secrets in the message, in every ``extra`` field, and in a traceback or stack some other formatter
    already rendered onto the record, before any formatter of ours sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        for key in list(record.__dict__):
            if key in _STANDARD_ATTRS:
                continue
            record.__dict__[key] = REDACTED if SENSITIVE_KEY.search(key) else redact(record.__dict__[key])
        return True


def _level(name: str | None) -> int:
    level = logging.getLevelName((name or "INFO").strip().upper())
    return level if isinstance(level, int) else logging.INFO


def configure_logging(level: str | None = None, stream: IO[str] | None = None) -> logging.Logger:
    """Set up the ``emr_bootstrap`` logger once (idempotent: FC calls this on every invocation)."""
    from pythonjsonlogger.json import JsonFormatter

    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(_level(level if level is not None else os.environ.get(LEVEL_VAR)))
    for handler in list(logger.handlers):
        if getattr(handler, "_emr_bootstrap", False):
            if stream is None:
                return logger
            logger.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler._emr_bootstrap = True  # type: ignore[attr-defined]
    handler.addFilter(RedactingFilter())

    class RedactingJsonFormatter(JsonFormatter):
        """Tracebacks (``log.exception``, ``exc_info=``) and stacks (``stack_info=True``) are rendered here, after
        the filter ran, and an exception's text is anyone's (an SDK's message, a URL with its signature): redact
        them too."""

        def formatException(self, ei: Any) -> Any:
            return redact(super().formatException(ei))

        def formatStack(self, stack_info: str) -> Any:
            return redact(super().formatStack(stack_info))

    handler.setFormatter(
        RedactingJsonFormatter(
            "{levelname}{name}{message}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
        )
    )
    logger.addHandler(handler)
    # FC's runtime configures the root logger with plain text; do not print every line twice.
    logger.propagate = False
    return logger


def get_logger(name: str | None = None) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)
