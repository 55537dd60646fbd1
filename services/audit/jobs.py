"""Verification jobs: a whole verification runs apart from the call that starts it.

Verifying a real ledger takes longer than anyone should wait for an answer, so
`start` writes a job down and answers at once, and the job runs in a process of
its own (the service launches `python -m services.audit.cli verify-job <id>`;
an Application on its own runs it in a thread). The job writes its progress and,
at the end, today's verification answer to the ledger's database, and beats a
heartbeat while it runs. A job whose heartbeat stopped (its process died with
the machine, or was killed) is shown as interrupted: it never hangs as running.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime

from shared.clock import Clock
from shared.errors import NotFound
from shared.identity import Caller

log = logging.getLogger("peernet.audit")
REPORT_SECONDS = 0.5  # progress is written at most this often


class VerificationJobs:
    def __init__(self, application, heartbeat_seconds: float, stale_seconds: float, clock: Clock):
        self.application, self.clock = application, clock
        # A heartbeat this often; without one for stale_seconds, a running job's process is gone.
        self.heartbeat_seconds, self.stale_seconds = heartbeat_seconds, stale_seconds
        # How a started job gets run: the service replaces this with a process of its own.
        self.launch = lambda job_id: threading.Thread(target=self.run, args=(job_id,), name=f"verify-{job_id}",
                                                      daemon=True).start()

    @property
    def ledger(self):
        return self.application.ledger

    def start(self, caller: Caller, checkpoints: list[dict] | None = None) -> dict:
        at = self.clock().isoformat()
        job = {"id": str(uuid.uuid4()), "state": "running", "requested_by": caller.user_id, "started_at": at,
               "updated_at": at, "finished_at": None, "progress": json.dumps(self._totals()), "result": None,
               "checkpoints": None if checkpoints is None else json.dumps(checkpoints)}
        self.ledger.save_job(job)
        self.launch(job["id"])
        return self.view(job["id"])

    def _totals(self) -> dict:
        """What there is to check when the job starts (entries entered meanwhile are checked too).
        Each source's last position tracked is its number of entries (every position is entered), and
        reading it takes no longer on a larger ledger: starting never waits for a count."""
        by_source = self.ledger.positions()
        return {"chain": {"checked": 0, "total": self.ledger.head()[0]},
                "sources": {source: {"checked": 0, "total": by_source.get(source, 0)}
                            for source in self.application.follows}}

    def run(self, job_id: str) -> None:
        """Run a started job to its end, writing progress as it goes."""
        job = self.ledger.job(job_id)
        if job is None or job["state"] != "running":
            raise NotFound(f"no running verification {job_id}")
        progress, lock, last = json.loads(job["progress"]), threading.RLock(), [0.0]
        done = threading.Event()

        def save(**changes):
            with lock:
                job.update(changes, updated_at=self.clock().isoformat(), progress=json.dumps(progress))
                self.ledger.save_job(job)

        def report(step: str, checked: int) -> None:  # from the chain's thread and each source's
            with lock:
                counts = progress["chain"] if step == "chain" else progress["sources"][step]
                counts["checked"], counts["total"] = checked, max(counts["total"], checked)
                if self.clock().timestamp() - last[0] >= REPORT_SECONDS:
                    last[0] = self.clock().timestamp()
                    save()

        def beat():
            while not done.wait(self.heartbeat_seconds):
                save()

        threading.Thread(target=beat, name=f"verify-{job_id}-heartbeat", daemon=True).start()
        try:
            checkpoints = json.loads(job["checkpoints"]) if job["checkpoints"] else None
            result = self.application.verify(sources=True, checkpoints=checkpoints, progress=report)
        except Exception as error:
            log.exception("verification %s failed", job_id)
            done.set()
            save(state="failed", finished_at=self.clock().isoformat(),
                 result=json.dumps({"error": f"{type(error).__name__}: {error}"}))
            return
        done.set()
        save(state="done", finished_at=self.clock().isoformat(), result=json.dumps(result))

    def view(self, job_id: str) -> dict:
        job = self.ledger.job(job_id)
        if job is None:
            raise NotFound(f"no verification {job_id}")
        state = job["state"]
        quiet = (self.clock() - datetime.fromisoformat(job["updated_at"])).total_seconds()
        if state == "running" and quiet > self.stale_seconds:
            state = "interrupted"  # its process is gone: start another
        progress = json.loads(job["progress"])
        result = json.loads(job["result"]) if job["result"] else None
        return {"verification_id": job["id"], "state": state, "requested_by": job["requested_by"],
                "started_at": job["started_at"], "updated_at": job["updated_at"],
                "finished_at": job["finished_at"],
                "entries_checked": progress["chain"]["checked"], "entries_total": progress["chain"]["total"],
                "sources": [{"source": source, **counts} for source, counts in progress["sources"].items()],
                "result": result if state == "done" else None,
                "error": result["error"] if state == "failed" else None}
