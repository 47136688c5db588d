"""A bounded job queue served by a few worker threads.

At most `workers` jobs run and `max_queued_jobs` wait; one more is refused (`QueueFull`,
HTTP 429) rather than piling up. A job reports its progress (0..1), ends done or failed
with a one-line message, and is stopped when it runs longer than `job_timeout_s` or the
server shuts down. Finished jobs live on disk (store.ResultStore); memory keeps only a
bounded number of job records.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from cartelsim.analysis.compare import first_intervention
from cartelsim.errors import CartelsimError
from cartelsim.scenarios.schema import Scenario
from cartelsim.web.paired import run_paired
from cartelsim.web.settings import WebSettings
from cartelsim.web.store import ResultStore, new_job_id
from cartelsim.web.validate import system_of

log = logging.getLogger("cartelsim.web")


class QueueFull(Exception):
    """No room for another job; try again later."""


class JobStopped(Exception):
    """Raised inside a run to stop it (timeout or shutdown)."""


@dataclass
class Job:
    """One submitted paired run and what is known about it."""

    id: str
    scenario: Scenario
    state: str = "queued"          # queued, running, done, failed
    progress: float = 0.0
    message: str = "waiting for a worker"
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    def public(self) -> dict[str, object]:
        return {"id": self.id, "state": self.state, "progress": round(self.progress, 4),
                "message": self.message, "error": self.error, "scenario": self.scenario.name,
                "created": self.created, "started": self.started, "finished": self.finished}


class JobManager:
    """Accepts jobs up to the configured bound and runs them on worker threads."""

    def __init__(self, settings: WebSettings, store: ResultStore) -> None:
        self.settings = settings
        self.store = store
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def capacity(self) -> int:
        return self.settings.workers + self.settings.max_queued_jobs

    def live(self) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values() if j.state in ("queued", "running")]

    def submit(self, scenario: Scenario) -> Job:
        """Queue a job or raise QueueFull when `capacity` jobs are already live."""
        with self._lock:
            if self._stop.is_set():
                raise QueueFull("the server is shutting down")
            live = sum(j.state in ("queued", "running") for j in self._jobs.values())
            if live >= self.capacity:
                raise QueueFull(f"{live} jobs are queued or running, the most this server "
                                f"takes; try again when one finishes")
            self._start_workers()
            job = Job(new_job_id(), scenario)
            self._jobs[job.id] = job
            self._forget_old()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> dict[str, object] | None:
        """A job's public status, from memory or (after a restart) from disk."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return job.public()
        if self.store.summary(job_id) is not None:
            return {"id": job_id, "state": "done", "progress": 1.0, "message": "finished",
                    "error": None}
        if self.store.exists(job_id):
            return {"id": job_id, "state": "failed", "progress": 0.0, "message": "interrupted",
                    "error": "the job did not finish (the server stopped while it ran)"}
        return None

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop running jobs at their next progress report and end the workers."""
        self._stop.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    def _start_workers(self) -> None:
        while len(self._threads) < self.settings.workers:
            thread = threading.Thread(target=self._work, name=f"cartelsim-web-{len(self._threads)}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    def _forget_old(self) -> None:
        """Keep memory bounded: drop the oldest finished records (their files stay)."""
        finished = [k for k, j in self._jobs.items() if j.state in ("done", "failed")]
        for key in finished[:max(0, len(self._jobs) - self.settings.keep_results)]:
            del self._jobs[key]

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._stop.is_set():
                self._finish(job, "failed", error="the server shut down before the job ran")
                continue
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state, job.started, job.message = "running", time.time(), "simulating"
        deadline = time.monotonic() + self.settings.job_timeout_s

        def progress(share: float) -> None:
            if self._stop.is_set():
                raise JobStopped("the server shut down while the job ran")
            if time.monotonic() > deadline:
                raise JobStopped(f"the job ran longer than {self.settings.job_timeout_s:g} s, "
                                 "the limit on this server; ask for fewer runs or weeks")
            job.progress = min(max(share, job.progress), 0.99)

        try:
            result = run_paired(job.scenario, progress, self.settings.chunk_runs)
            job.message = "writing results"
            scenario = job.scenario
            meta = {"id": job.id, "scenario": scenario.name, "description": scenario.description,
                    "system": scenario.system.name, "engine": scenario.run.engine,
                    "runs": scenario.run.runs, "seed": scenario.run.seed,
                    "weeks": scenario.horizon.weeks, "start": str(scenario.start),
                    "horizons_from": str(first_intervention(scenario) or scenario.start),
                    "interventions": [item.describe() for item in scenario.interventions],
                    "parameters": dict(scenario.parameters),
                    "elapsed_s": round(time.time() - (job.started or time.time()), 3)}
            self.store.write(job.id, result, system_of(scenario.system), meta)
        except (CartelsimError, JobStopped) as exc:
            self._finish(job, "failed", error=str(exc))
        except Exception as exc:  # a bug must fail the job, never the worker
            log.exception("job %s failed", job.id)
            self._finish(job, "failed", error=f"internal error ({type(exc).__name__}); "
                         "see the server log")
        else:
            self._finish(job, "done")
        finally:
            try:
                self.store.prune(self.settings.keep_results, {j.id for j in self.live()},
                                 self.settings.keep_results_bytes)
            except OSError:
                log.exception("could not prune old results")

    def _finish(self, job: Job, state: str, error: str | None = None) -> None:
        job.state, job.error, job.finished = state, error, time.time()
        job.message = "finished" if state == "done" else "failed"
        if state == "done":
            job.progress = 1.0
