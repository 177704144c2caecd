"""The reminder engine: plans the ladder as database rows, sends digests, retries, reports failures — and
sends every other message the bot sends on its own (bot/outbox.py queues them).

See `scheduler.engine` for the flow. The public API:

    await start_reminders(application, session_factory=..., settings=..., clock=..., renderers=...)  # post_init
    send_soon(context.job_queue)                                     # a handler committed queued messages
    await assignments_changed(session, assignment_ids=..., settings=..., clock=...)  # any change of assignments
    await assignments_changed(session, milestone_ids=..., settings=..., clock=...)   # ... of whole milestones
    run_import(..., after=replan_after_import(settings=..., clock=...))              # an import, in its transaction
    await calendar_changed(session, days=..., settings=..., clock=...)               # days declared off or working
    await plan_all(session, settings=..., clock=...)
    await list_failures(session, since=..., unit_path=..., limit=...)                # /loi, the CLI
    TelegramRateLimiter()                                                            # ApplicationBuilder
"""

from scheduler.engine import EngineConfig, ReminderEngine, ReminderJobs, send_soon, start_reminders
from scheduler.failures import Failure, Unreached, list_failures, render_failures, unreached_units
from scheduler.lifecycle import assignments_changed, calendar_changed, replan_after_import
from scheduler.planner import PlanResult, plan_all
from scheduler.ratelimit import TelegramRateLimiter

__all__ = [
    "EngineConfig",
    "Failure",
    "PlanResult",
    "ReminderEngine",
    "ReminderJobs",
    "TelegramRateLimiter",
    "Unreached",
    "assignments_changed",
    "calendar_changed",
    "list_failures",
    "plan_all",
    "render_failures",
    "replan_after_import",
    "send_soon",
    "start_reminders",
    "unreached_units",
]
