"""Tracebacks and error lines in a piece of the server's log, for the fuzz checks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LogError", "log_errors"]


@dataclass(frozen=True)
class LogError:
    #: The exception line and the last frame in our own code (or the error line itself).
    summary: str
    #: The whole traceback, for the findings file.
    text: str


def log_errors(text: str) -> list[LogError]:
    """One entry per traceback or ERROR/CRITICAL/fatal line (one whose traceback follows is
    reported with that traceback)."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            end = next((j for j in range(index + 1, len(lines))
                        if lines[j] and not lines[j].startswith(" ")), len(lines) - 1)
            frames = [ln.strip() for ln in lines[index:end] if ln.strip().startswith("File ")]
            ours = [f for f in frames if "site-packages" not in f and "/lib/python" not in f]
            where = (ours or frames or ["?"])[-1]
            found.append(LogError(f"{lines[end][:300]} (at {where[:200]})",
                                  "\n".join(lines[index : end + 1])))
        elif "Fatal Python error" in line:  # faulthandler's stacks follow
            end = next((j for j in range(index + 1, min(len(lines), index + 80))
                        if lines[j].startswith("Extension modules")), min(len(lines), index + 80))
            found.append(LogError(line[:300], "\n".join(lines[index:end])))
        elif line.startswith(("ERROR", "CRITICAL")):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if not following.startswith("Traceback"):
                found.append(LogError(line[:300], line))
    return found
