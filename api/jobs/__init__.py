"""Background jobs: the runners (inline, thread pool, RQ) and the code that runs one job.

`create_app` keeps the runner in `app.extensions["interlude.jobs"]`; a view commits the
queued job, then calls `runner.submit(job.id)`.
"""

from api.jobs.execute import HANDLERS, Handler, JobContext, abandon_job, execute_job
from api.jobs.runners import InlineRunner, JobRunner, RQRunner, ThreadRunner, make_runner

RUNNER_EXTENSION = "interlude.jobs"

__all__ = [
    "HANDLERS",
    "RUNNER_EXTENSION",
    "Handler",
    "InlineRunner",
    "JobContext",
    "JobRunner",
    "RQRunner",
    "ThreadRunner",
    "abandon_job",
    "execute_job",
    "make_runner",
]
