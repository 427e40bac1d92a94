"""Wall-clock helpers and the timestamp formats the services use on the wire."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> float:
    return time.time()


def iso_seconds(ts: float) -> str:
    """RAM/STS format: UTC ``YYYY-MM-DDThh:mm:ssZ`` (docs/alibaba-cloud.md §1.3 GetRole, §3 Expiration)."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(ts: float) -> str:
    """Resource Manager format: ``2021-01-18T08:01:50.522Z`` (docs/alibaba-cloud.md §4 JoinTime example)."""
    moment = datetime.fromtimestamp(ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
