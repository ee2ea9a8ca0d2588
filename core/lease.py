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


def is_gone(owner: str | None) -> bool:
    """Whether `owner` (from `holder`) was a process on this machine that no longer runs."""
    if not owner:
        return False
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
