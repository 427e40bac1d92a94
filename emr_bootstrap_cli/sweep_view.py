"""What ``sweep`` shows: a progress bar over rounds (rich, on stderr; plain lines when not a terminal), and the
rounds merged into one result of the function's contract."""

from __future__ import annotations

import contextlib
import io
from typing import IO, TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from emr_bootstrap_cli.render import console

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

STATUS_ORDER = ("succeeded", "partial", "failed")


class SweepProgress:
    def __init__(self, progress: Progress | None, stream: IO[str]) -> None:
        self._progress = progress
        self._stream = stream
        self._task = progress.add_task("sweep", total=None) if progress is not None else None
        self.done = 0
        self.counts: dict[str, int] = {}

    def update(self, result: Mapping[str, Any]) -> None:
        summary = result["summary"]
        self.done += int(summary["accounts"])
        for status, count in summary["accountStatus"].items():
            self.counts[status] = self.counts.get(status, 0) + int(count)
        text = ", ".join(f"{count} {status}" for status, count in self.counts.items() if count)
        if self._progress is not None and self._task is not None:
            total = self.done if not result.get("nextToken") else None
            self._progress.update(self._task, completed=self.done, total=total, description=f"sweep: {text}")
        else:
            self._stream.write(f"sweep: {self.done} accounts so far ({text or 'none'})\n")
            self._stream.flush()


@contextlib.contextmanager
def progress(stream: IO[str], *, quiet: bool = False) -> Iterator[SweepProgress]:
    out = console(stream)
    if quiet:
        yield SweepProgress(None, io.StringIO())
        return
    if not out.is_terminal:
        yield SweepProgress(None, stream)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as bar:
        yield SweepProgress(bar, stream)


def merge_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One result for a sweep done in rounds (or a plan done in batches): every listed account, the counts summed,
    the worst status."""
    if not rounds:
        raise ValueError("no round ran")
    merged = dict(rounds[-1])
    merged["accounts"] = [account for result in rounds for account in result["accounts"]]
    summary = dict(merged["summary"])
    for key in ("accounts", "unchangedNotListed", "durationMs"):
        if any(key in r["summary"] for r in rounds):
            summary[key] = sum(int(r["summary"].get(key, 0)) for r in rounds)
    if isinstance(summary.get("cloudCalls"), dict):
        summary["cloudCalls"] = _sum_counts([r["summary"].get("cloudCalls") or {} for r in rounds])
    for group in ("accountStatus", "roleOutcomes"):
        summary[group] = {k: sum(int(r["summary"][group].get(k, 0)) for r in rounds) for k in summary[group]}
    if any("needsAction" in r["summary"] for r in rounds):
        summary["needsAction"] = sorted({a for r in rounds for a in r["summary"].get("needsAction", [])})
    merged["summary"] = summary
    merged["status"] = _worst([r["status"] for r in rounds])
    if "sweep" in merged:
        merged["sweep"] = {
            key: sum(int(r["sweep"].get(key, 0)) for r in rounds) for key in ("listed", "selected", "pages")
        }
        if "stopped" in rounds[-1]["sweep"]:
            merged["sweep"]["stopped"] = rounds[-1]["sweep"]["stopped"]
    merged.pop("nextToken", None)
    return merged


def _sum_counts(counts: list[dict[str, Any]]) -> dict[str, Any]:
    """Numbers summed key by key, nested dicts too (cloudCalls and its byAction)."""
    out: dict[str, Any] = {}
    for count in counts:
        for key, value in count.items():
            if isinstance(value, dict):
                out[key] = _sum_counts([out.get(key, {}), value])
            elif isinstance(value, int):
                out[key] = int(out.get(key, 0)) + value
    return out


def _worst(statuses: list[str]) -> str:
    if all(s == "succeeded" for s in statuses):
        return "succeeded"
    if all(s == "failed" for s in statuses):
        return "failed"
    return "partial" if any(s in STATUS_ORDER for s in statuses) else statuses[-1]
