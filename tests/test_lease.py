"""A lease holder that died on this machine is recognised; anyone else is waited out."""

from __future__ import annotations

import socket
import subprocess
import sys

from core.lease import end_run, holder, is_gone


def test_a_finished_process_on_this_machine_is_gone() -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(child.stdout)
    assert is_gone(f"{socket.gethostname()}:{pid}")
    assert is_gone(f"{socket.gethostname()}:{pid}:0a1b2c3d")


def test_this_process_other_machines_and_nonsense_are_not_gone() -> None:
    assert not is_gone(holder())
    assert not is_gone(holder(run=True))
    assert not is_gone("another-host:1")
    assert not is_gone(None)
    assert not is_gone("")
    assert not is_gone(f"{socket.gethostname()}:not-a-pid")
    assert holder(run=True) != holder(run=True)  # two runs never share their leases


def test_a_stopped_run_of_this_process_is_gone_and_only_that_run() -> None:
    stopped, running = holder(run=True), holder(run=True)
    end_run(stopped)
    assert is_gone(stopped)
    assert not is_gone(running)
    assert not is_gone(holder())
