"""The README's performance table is bench/results.json's (bench.report renders it; `make bench RECORD=1` writes it)."""

from __future__ import annotations

import json

from bench import report
from bench.__main__ import README, RESULTS, merge


def test_readme_performance_table_shows_the_recorded_figures() -> None:
    results = json.loads(RESULTS.read_text())
    readme = README.read_text(encoding="utf-8")
    assert report.START in readme and report.END in readme
    assert report.with_table(readme, results) == readme, "run `make bench RECORD=1` (or re-render the table)"


def test_a_figure_that_was_not_measured_says_so_instead_of_passing() -> None:
    rendered = report.markdown({"latency_ms": 20.0})
    assert rendered.count("not measured") == 2 * len(report.ROWS)
    assert "meets" not in rendered and "misses" not in rendered


def test_each_figure_is_judged_against_its_target() -> None:
    results = {
        "single_account": {"event_2_roles": {"wall_over_latency": 4.5}, "done_request": {"wall_over_latency": 3.6}}
    }
    verdicts = {row.key: report.verdict(row, results) for row in report.ROWS}
    assert verdicts["single_account.event_2_roles.wall_over_latency"] == "meets"
    assert verdicts["single_account.done_request.wall_over_latency"] == "misses"


def test_recording_keeps_the_keys_a_run_did_not_measure() -> None:
    current = {"sweep_1000": {"wall_s": 19.2, "rss_mb": 76.4}, "machine": "old"}
    assert merge(current, {"sweep_1000": {"wall_s": 12.0}, "machine": "new"}) == {
        "sweep_1000": {"wall_s": 12.0, "rss_mb": 76.4},
        "machine": "new",
    }


def test_the_table_lives_between_its_markers_only() -> None:
    readme = f"before\n{report.START}\nSTALE-TABLE\n{report.END}\nafter\n"
    updated = report.with_table(readme, {})
    assert updated.startswith(f"before\n{report.START}\n") and updated.endswith(f"{report.END}\nafter\n")
    assert "STALE-TABLE" not in updated


def test_single_account_figures_are_judged_at_the_issues_l_with_the_l20_figures_beside_them() -> None:
    results = {
        "latency_ms": 20.0,
        "single_account": {"latency_ms": 20.0, "event_2_roles": {"wall_over_latency": 9.87, "wall_ms": 197.3}},
        "single_account_l50": {"latency_ms": 50.0, "event_2_roles": {"wall_over_latency": 4.44, "wall_ms": 222.0}},
    }
    (row,) = [row for row in report.ROWS if row.key == "single_account.event_2_roles.wall_over_latency"]
    assert report.verdict(row, results) == "meets"
    line = next(line for line in report.markdown(results).splitlines() if line.startswith(f"| {row.figure} |"))
    assert "4.44 L = 222.0 ms at L = 50.0 ms (9.87 L = 197.3 ms at L = 20.0 ms)" in line and "| meets |" in line
    assert "single-account figures at L = 50.0 ms (at L = 20.0 ms in brackets)" in report.markdown(results)


def test_without_the_l50_run_the_single_account_figures_are_judged_at_l20() -> None:
    results = {"single_account": {"latency_ms": 20.0, "event_2_roles": {"wall_over_latency": 9.87}}}
    (row,) = [row for row in report.ROWS if row.key == "single_account.event_2_roles.wall_over_latency"]
    assert report.verdict(row, results) == "misses" and "at L = 50" not in report.markdown(results)
