"""The README's Simple Log Service alert on ``summary.missedByEvents`` reads what the function logs: the query's
topic names the event function of ``s.yaml``, its search term is the message of the daily sweep's log line, and
the field it sums is in that line's JSON."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import yaml
from emr_bootstrap.shared.logs import configure_logging

from tests.function.sweeps.test_sweep_missed_by_events import OLD, daily, iso

REPO = Path(__file__).resolve().parents[3]
QUERY = re.compile(r'__topic__: "FCLogs:(?P<function>[\w-]+)" and "(?P<message>[^"]+)"(?P<analytics>[^`]*)`')


def test_the_readme_alert_query_matches_the_daily_sweeps_log_line() -> None:
    found = QUERY.search(" ".join((REPO / "README.md").read_text().split()))
    assert found, "the README gives no SLS query on FCLogs"
    fields = re.findall(r"json_extract_scalar\(message, '\$\.(\w+)'\)", found["analytics"])
    functions = yaml.safe_load((REPO / "s.yaml").read_text())["resources"]
    names = {resource["props"]["functionName"] for resource in functions.values()}
    logger = logging.getLogger("emr_bootstrap")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    stream = io.StringIO()
    try:
        configure_logging("INFO", stream)
        daily({OLD[0]: iso(24 * 60)})
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]

    assert found["function"] in names and found["function"].endswith("-event")
    (line,) = [line for line in lines if line["message"] == found["message"]]
    assert fields and all(field in line for field in fields) and line["count"] == 1
