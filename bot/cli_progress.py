"""How `run --once` shows it is working through a long backlog: a rich progress bar when a
person watches a terminal, a plain line every N messages otherwise (cron, a log file, a pipe),
so the log shows how far it got. Both go to stderr: stdout keeps the one summary line."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


@contextmanager
def cycle_progress(*, terminal: bool, every: int, console: Console) -> Iterator[Callable[[int], None]]:
    """A callback for `run_cycle(progress=…)`, told the running count of messages decided."""
    if terminal:
        yield from _bar(console)
        return

    def line(decided: int) -> None:
        if decided % every == 0:
            console.print(f"run --once: {decided} messages decided", markup=False, highlight=False)

    yield line


def _bar(console: Console) -> Iterator[Callable[[int], None]]:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("deciding stored messages"), BarColumn(),
                  TextColumn("{task.completed} decided"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("decide", total=None)
        yield lambda decided: bar.update(task, completed=decided)
