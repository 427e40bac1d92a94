"""Fixtures shared by the unit tests."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def emr_logs() -> Iterator[list[logging.LogRecord]]:
    """Every record the function's loggers emit during the test. Attached to the ``emr_bootstrap`` logger itself,
    so it sees them even after ``configure_logging`` has stopped them propagating to the root (where ``caplog``
    listens)."""
    handler = _Records()
    logger = logging.getLogger("emr_bootstrap")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
