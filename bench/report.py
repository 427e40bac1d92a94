"""The performance table: each figure of ``bench/results.json`` beside its target and the command that reproduces it.

``make bench`` prints it (stderr) from the run's ``build/bench/results.json``; ``make bench RECORD=1`` also writes it
into README.md between the ``bench:table`` markers, from ``bench/results.json`` (a test checks the two agree).

The single-account figures are judged at the issue's L = 50 ms (``single_account_l50``), where it states its limits,
with the L = 20 ms figures (``single_account``) beside them; results without the L = 50 ms run render as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

START, END = "<!-- bench:table (make bench RECORD=1 writes it) -->", "<!-- /bench:table -->"


def get(results: Mapping[str, Any], path: str) -> Any:
    """``results["a"]["b"]`` for ``"a.b"``; None when any part is missing."""
    value: Any = results
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@dataclass(frozen=True)
class Row:
    figure: str
    key: str  # the headline value in results.json
    target: str
    meets: Callable[[float], bool]
    command: str
    detail: Callable[[Mapping[str, Any]], str]
    # Read instead of ``key`` when the results have it (the same figure at the issue's L).
    preferred: str | None = None

    def value(self, results: Mapping[str, Any]) -> Any:
        preferred = get(results, self.preferred) if self.preferred else None
        return preferred if preferred is not None else get(results, self.key)


def _single(case: str) -> Callable[[Mapping[str, Any]], str]:
    def detail(r: Mapping[str, Any]) -> str:
        c = get(r, f"single_account.{case}") or {}
        at_l = f"{c.get('wall_over_latency')} L = {c.get('wall_ms')} ms at L = {get(r, 'single_account.latency_ms')} ms"
        at_issue = get(r, f"single_account_l50.{case}")
        if not isinstance(at_issue, dict):
            return (
                f"{at_l}; local overhead {c.get('local_overhead_ms')} ms; pacing waits {c.get('pacing_wait_ms')} ms; "
                f"{c.get('api_calls')} calls"
            )
        return (
            f"{at_issue.get('wall_over_latency')} L = {at_issue.get('wall_ms')} ms at L = "
            f"{get(r, 'single_account_l50.latency_ms')} ms ({at_l}); local overhead {c.get('local_overhead_ms')} ms; "
            f"pacing waits {at_issue.get('pacing_wait_ms')} ms; {at_issue.get('api_calls')} calls"
        )

    return detail


def _l50(case: str) -> str:
    return f"single_account_l50.{case}.wall_over_latency"


def _share(prefix: str, wall: str) -> Callable[[Mapping[str, Any]], str]:
    def detail(r: Mapping[str, Any]) -> str:
        s = get(r, "sweep_1000") or {}
        return (
            f"{_percent(s.get(prefix + 'assume_role_quota_share'))} in {s.get(wall)} s; "
            f"{s.get('throttles')} throttles, {s.get('failures')} failures"
        )

    return detail


def _percent(value: Any) -> str:
    return f"{round(value * 100)} %" if isinstance(value, (int, float)) else "not measured"


ROWS = (
    Row("new-account event, 2 roles", "single_account.event_2_roles.wall_over_latency", "≤ 4.5 L",
        lambda v: v <= 4.5, "python -m bench.latency", _single("event_2_roles"),
        _l50("event_2_roles")),
    Row("direct request, 2 roles", "single_account.request_2_roles.wall_over_latency", "≤ 6.5 L",
        lambda v: v <= 6.5, "python -m bench.latency", _single("request_2_roles"),
        _l50("request_2_roles")),
    Row("direct request, 5 roles", "single_account.request_5_roles.wall_over_latency", "≤ 6.8 L",
        lambda v: v <= 6.8, "python -m bench.latency", _single("request_5_roles"),
        _l50("request_5_roles")),
    Row("done account in a request", "single_account.done_request.wall_over_latency", "≤ 3.5 L",
        lambda v: v <= 3.5, "python -m bench.latency", _single("done_request"),
        _l50("done_request")),
    Row("fresh 1,000-account sweep: AssumeRole quota share", "sweep_1000.assume_role_quota_share",
        "≥ 80 %, 0 throttles, 0 failures", lambda v: v >= 0.8, "python -m bench.sweep", _share("", "wall_s")),
    Row("done 1,000-account sweep: AssumeRole quota share", "sweep_1000.done_assume_role_quota_share",
        "≥ 90 %, 0 throttles, 0 failures", lambda v: v >= 0.9, "python -m bench.sweep", _share("done_", "done_wall_s")),
    Row("cold import of the deployed package, over the SDK clients alone", "package_cold_start.import_ratio",
        "≤ 1.2", lambda v: v <= 1.2, "make package && python -m bench.package_import",
        lambda r: f"{get(r, 'package_cold_start.import_ratio')} ({get(r, 'package_cold_start.function_ms')} ms with "
        f"bytecode; {get(r, 'package_cold_start.function_source_only_ms')} ms without)"),
    Row("peak RSS, one invocation", "memory.rss_mb_single", "≤ 70 MB", lambda v: v <= 70,
        "python -m bench.latency",
        lambda r: f"{get(r, 'memory.rss_mb_single')} MB (import and initialize alone: "
        f"{get(r, 'package_cold_start.function_rss_mb')} MB)"),
    Row("our CPU per call, over the bare SDK's", "sdk_overhead.cpu_per_call_ratio", "≤ 1.15",
        lambda v: v <= 1.15, "python -m bench.sdk_overhead",
        lambda r: f"{get(r, 'sdk_overhead.cpu_per_call_ratio')} ({get(r, 'sdk_overhead.function_cpu_ms_per_call')} "
        f"ms over {get(r, 'sdk_overhead.bare_cpu_ms_per_call')} ms)"),
    Row("10,000 done accounts, fanned out: AssumeRole quota share", "fanout_10000.assume_role_quota_share", "≥ 80 %",
        lambda v: v >= 0.8, "python -m bench.fanout",
        lambda r: f"{_percent(get(r, 'fanout_10000.assume_role_quota_share'))} in "
        f"{get(r, 'fanout_10000.wall_s')} s, {get(r, 'fanout_10000.instances')} instances"),
)  # fmt: skip


def verdict(row: Row, results: Mapping[str, Any]) -> str:
    value = row.value(results)
    if not isinstance(value, (int, float)):
        return "not measured"
    return "meets" if row.meets(float(value)) else "misses"


def markdown(results: Mapping[str, Any]) -> str:
    at = f"L = {get(results, 'latency_ms')} ms per call"
    issue_l = get(results, "single_account_l50.latency_ms")
    if issue_l is not None:
        at += f", the single-account figures at L = {issue_l} ms (at L = {get(results, 'latency_ms')} ms in brackets),"
    lines = [
        f"Measured at {at} on {get(results, 'machine')}.",
        "",
        "| figure | measured | target | | reproduce |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in ROWS:
        measured = row.detail(results) if row.value(results) is not None else "not measured"
        lines.append(f"| {row.figure} | {measured} | {row.target} | {verdict(row, results)} | `{row.command}` |")
    return "\n".join(lines) + "\n"


def text(results: Mapping[str, Any]) -> str:
    width = max(len(row.figure) for row in ROWS)
    lines = []
    for row in ROWS:
        measured = row.detail(results) if row.value(results) is not None else "not measured"
        lines.append(f"{row.figure:<{width}}  {verdict(row, results):<12}  {row.target:<32}  {measured}")
    return "\n".join(lines) + "\n"


def with_table(readme: str, results: Mapping[str, Any]) -> str:
    """``readme`` with the text between the markers replaced by :func:`markdown`; unchanged without markers."""
    pattern = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.S)
    return pattern.sub(lambda _: f"{START}\n{markdown(results)}{END}", readme, count=1)
