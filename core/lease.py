"""Who holds a lease, and whether that holder is gone.

Outbox messages and delivery rows are claimed with a lease before they are sent, so two
senders never send the same thing. A sender killed mid-way leaves its lease behind; waiting
for it to run out would delay a confirmation by minutes after a crash and restart. A holder
on this machine whose process no longer exists is gone for sure, and its lease can be taken
over at once. (Holders on other machines are waited out.)
"""

from __future__ import annotations

import os
import socket
import uuid


def holder(run: bool = False) -> str:
    """'host:pid' of this process, with a random suffix for one run of a sender that must
    not share its leases with other runs in the same process."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}:{uuid.uuid4().hex[:8]}" if run else name


# Runs of this process that were stopped (see `end_run`).
_ENDED_RUNS: set[str] = set()


def end_run(owner: str) -> None:
    """Declares a run's holder gone: the run was stopped and waited for, so a lease it still
    holds (a claim a cancellation caught between its commit and its release) is left over,
    exactly like the lease of a process that died, and the next run takes it over at once."""
    _ENDED_RUNS.add(owner)


def is_gone(owner: str | None) -> bool:
    """Whether `owner` (from `holder`) was a process on this machine that no longer runs, or
    a run of this process that was stopped."""
    if not owner:
        return False
    if owner in _ENDED_RUNS:
        return True
    host, _, rest = owner.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False
