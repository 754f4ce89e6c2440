"""Run a module as a child process that never outlives the process that started it.

`python -m landingzone_sandbox.tether PARENT_PID MODULE ARG…` runs MODULE as `python -m MODULE
ARG…` would, in this same process (so its pid is the child's), once the end of PARENT_PID,
however it comes (SIGKILL included), is bound to end this process too:

- on Linux the kernel sends SIGTERM when the parent dies (`prctl(PR_SET_PDEATHSIG)`);
- everywhere, a thread notices that the parent is gone (this process has been handed to
  another parent) and sends SIGTERM itself.

SIGTERM lets the module shut down as it does under an orchestrator; if it is still running
GRACE_S later, the process ends anyway.
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_INTERVAL_S = 0.5
GRACE_S = 20.0


def tethered_command(module: str, *args: str) -> list[str]:
    """The argv that runs `python -m module args…` tethered to the calling process."""
    return [sys.executable, "-m", __name__, str(os.getpid()), module, *args]


def tie_to(parent: int) -> None:
    """End this process once `parent` is gone; returns at once."""
    _ask_the_kernel()
    threading.Thread(target=_watch, args=(parent,), name="tether", daemon=True).start()


def _ask_the_kernel() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl here: the watching thread still works
        pass


def _watch(parent: int) -> None:
    # Checked first, too: the parent may have died before the kernel was asked.
    while os.getppid() == parent:
        time.sleep(WATCH_INTERVAL_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    os._exit(1)


def main(argv: list[str]) -> None:
    parent, module, *args = argv
    tie_to(int(parent))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
