"""A process started by a Network ends when that Network's process is gone.

A test run killed by a timeout, or a launcher killed with -9, cannot stop its
children; without this they would run on, holding broker connections and CPU.
"""
from __future__ import annotations

import os
import signal
import threading
import time

PARENT_PID = "PEERNET_PARENT_PID"


def end_with_parent(interval: float = 1.0) -> None:
    """Send ourselves SIGTERM (a clean stop) once the parent named in the environment has gone."""
    parent = os.environ.get(PARENT_PID)
    if not parent:
        return  # started by hand or by an orchestrator: nothing to follow

    def watch():
        while os.getppid() == int(parent):
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
