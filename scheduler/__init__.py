"""The reminder engine: plans the ladder as database rows, sends digests, retries, reports failures.

See `scheduler.engine` for the flow. The public API:

    await start_reminders(application, session_factory=..., settings=..., clock=...)   # post_init
    await replan_milestones(session, milestone_ids=..., settings=..., clock=...)     # after an import
    run_import(..., after=replan_after_import(settings=..., clock=...))              # the same, in its transaction
    await replan_assignments(session, assignment_ids=..., settings=..., clock=...)   # after a reopen
    await plan_all(session, settings=..., clock=...)
    await list_failures(session, since=..., unit_path=..., limit=...)                # /loi, the CLI
    TelegramRateLimiter()                                                            # ApplicationBuilder
"""

from scheduler.engine import EngineConfig, ReminderEngine, ReminderJobs, start_reminders
from scheduler.failures import Failure, Unreached, list_failures, render_failures, unreached_units
from scheduler.planner import PlanResult, plan_all, replan_after_import, replan_assignments, replan_milestones
from scheduler.ratelimit import TelegramRateLimiter

__all__ = [
    "EngineConfig",
    "Failure",
    "PlanResult",
    "ReminderEngine",
    "ReminderJobs",
    "TelegramRateLimiter",
    "Unreached",
    "list_failures",
    "plan_all",
    "render_failures",
    "replan_after_import",
    "replan_assignments",
    "replan_milestones",
    "start_reminders",
    "unreached_units",
]
