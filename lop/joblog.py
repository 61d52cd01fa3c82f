"""A Snakemake job's messages: the full story in its log file, the one line that matters on the terminal.

Rule scripts send their progress bars and messages to the job's log. When a job fails, Snakemake's
terminal only says `CalledProcessError ... Error in rule X` and names the log, so the reason (a missing
archive, a config mistake, a diverged run) stays hidden. `to_log` redirects stderr to the log and installs
an exception hook that writes the traceback to the log and the exception's one-line message to the
terminal's real stderr, before the script exits non-zero as before.
"""
from __future__ import annotations

import sys
import traceback


def failure_line(exc: BaseException, log_path: str | None = None) -> str:
    """`lop job failed: DatasetError: <message> (traceback: <log>)` on one line."""
    msg = " ".join(str(exc).split()) or "(no message)"
    where = f" (traceback: {log_path})" if log_path else ""
    return f"lop job failed: {type(exc).__name__}: {msg}{where}"


def to_log(log_path: str, mode: str = "a"):
    """Send stderr to `log_path` and surface an uncaught exception as one line on the terminal."""
    terminal = sys.__stderr__
    log = open(log_path, mode, buffering=1)
    sys.stderr = log

    def hook(exc_type, exc, tb):
        traceback.print_exception(exc_type, exc, tb, file=log)
        log.flush()
        if terminal is not None:
            print(failure_line(exc, log_path), file=terminal, flush=True)

    sys.excepthook = hook
    return log
