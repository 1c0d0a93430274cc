"""Report schedules: ``schedules.yml``, the scheduler that runs it, and run history.

- ``spec``: the file format and its validation (``load_schedules``);
- ``engine``: slots, the due/catch-up/retry policy, ``Scheduler.tick`` and ``run``;
- ``locks``: one process per job across schedulers and hosts (``job_locks`` rows);
- ``mail``: emailing finished reports to a schedule's recipients.
"""

from commbook.schedules.engine import (
    Decision,
    Outcome,
    RunRow,
    Scheduler,
    decide,
    default_runner,
    history,
    last_runs,
    newest_slot,
    next_slots,
)
from commbook.schedules.locks import Lock, LockState, acquire
from commbook.schedules.spec import (
    Problem,
    RetryPolicy,
    Schedule,
    SchedulesFileError,
    load_schedules,
)

__all__ = [
    "Decision",
    "Lock",
    "LockState",
    "Outcome",
    "Problem",
    "RetryPolicy",
    "RunRow",
    "Schedule",
    "Scheduler",
    "SchedulesFileError",
    "acquire",
    "decide",
    "default_runner",
    "history",
    "last_runs",
    "load_schedules",
    "newest_slot",
    "next_slots",
]
