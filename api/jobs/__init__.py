"""Background jobs: the runners (inline, thread pool, RQ) and the code that runs one job.

`create_app` keeps the runner in the app's services (`app_services().jobs`); a view commits the
queued job, then calls `runner.submit(job.id)`.
"""

from api.jobs.execute import HANDLERS, Handler, JobContext, abandon_job, execute_job
from api.jobs.runners import (
    InlineRunner,
    JobRunner,
    QueueUnreachable,
    RQRunner,
    ThreadRunner,
    make_runner,
)

__all__ = [
    "HANDLERS",
    "Handler",
    "InlineRunner",
    "JobContext",
    "JobRunner",
    "QueueUnreachable",
    "RQRunner",
    "ThreadRunner",
    "abandon_job",
    "execute_job",
    "make_runner",
]
