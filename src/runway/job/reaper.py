"""Give up on runs whose executor is gone, so a job is never stuck (runway-app.md §12: the original had no
reaper; a vanished executor blocked the job forever).

A run is lost when it is still ``new`` past the init deadline (the executor never called init, e.g. it did
not start or its 5-minute init token expired), or ``running`` with no ``run_update`` for longer than the
allowed silence. A lost run gets the error ``executor_lost`` and the update ``done``/``failure``, exactly as if
its executor had reported them, and becomes ``error``; the job can then be started again.

:func:`reap_lost_runs` does one pass (testable on its own); :func:`reaper_loop` runs it periodically in the
app (started by ``create_app``'s lifespan).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from runway.db import utc_now
from runway.executor_api import service
from runway.job.models import Run, RunStatus, RunUpdate
from runway.storage.local import LocalStorage

__all__ = ["EXECUTOR_LOST", "reap_lost_runs", "reaper_loop", "start_reaper"]

logger = logging.getLogger(__name__)

EXECUTOR_LOST = "executor_lost"


def reap_lost_runs(
    session: Session,
    storage: LocalStorage,
    *,
    init_deadline: timedelta,
    silence: timedelta,
    now: datetime | None = None,
    keep: Callable[[int], bool] = lambda _run_id: False,
) -> list[int]:
    """Mark lost runs ``error`` (``executor_lost`` + ``done``/``failure``); returns their ids. The caller commits.

    Args:
        init_deadline: How long a ``new`` run may wait for init.
        silence: How long a ``running`` run may go without an update (its start counts as one).
        now: The current time (default: now, UTC).
        keep: True for runs to leave alone although ``new`` (e.g. queued by the launcher).
    """
    now = now or utc_now()
    last_update = (
        select(RunUpdate.run_id, func.max(RunUpdate.received_at).label("last")).group_by(RunUpdate.run_id).subquery()
    )
    rows = session.execute(
        select(Run, last_update.c.last)
        .outerjoin(last_update, last_update.c.run_id == Run.id)
        .where(Run.status.in_([RunStatus.new, RunStatus.running]))
        .order_by(Run.id)
    ).all()
    reaped: list[int] = []
    for run, last in rows:
        if run.status == RunStatus.new:
            if keep(run.id) or run.created_on > now - init_deadline:
                continue
            reason = f"the executor did not start within {int(init_deadline.total_seconds())} s"
        else:
            seen = max(value for value in (last, run.modified_on, run.created_on) if value is not None)
            if seen > now - silence:
                continue
            reason = f"the executor sent no progress for {int(silence.total_seconds())} s"
        logger.warning("Run %s is lost (%s); marking it error", run.id, reason)
        service.record_error(session, run, EXECUTOR_LOST, {"stacktrace": "", "reason": reason})
        if not service.record_status(session, run, "done", "failure", storage):
            # done/failure was recorded already, yet the run did not complete: complete it now.
            service.complete_run(session, run, success=False, storage=storage)
        reaped.append(run.id)
    return reaped


async def reaper_loop(
    make_session: sessionmaker[Session],
    storage: LocalStorage,
    *,
    init_deadline: timedelta,
    silence: timedelta,
    interval: float,
    keep: Callable[[int], bool] = lambda _run_id: False,
    poll: Callable[[], None] = lambda: None,
) -> None:
    """Every ``interval`` seconds: ``poll()`` (e.g. start queued runs), then reap lost runs; until cancelled."""
    while True:
        try:
            await asyncio.to_thread(_pass, make_session, storage, init_deadline, silence, keep, poll)
        except Exception:
            logger.exception("Reaper pass failed")
        await asyncio.sleep(interval)


def _pass(
    make_session: sessionmaker[Session],
    storage: LocalStorage,
    init_deadline: timedelta,
    silence: timedelta,
    keep: Callable[[int], bool],
    poll: Callable[[], None],
) -> None:
    poll()
    with make_session() as session:
        reap_lost_runs(session, storage, init_deadline=init_deadline, silence=silence, keep=keep)
        session.commit()


async def start_reaper(app: Any) -> None:
    """Run :func:`reaper_loop` with the app's settings, sessions, storage and launcher (``app.state``)."""
    state = app.state
    settings = state.settings
    launcher = state.launcher
    await reaper_loop(
        state.sessionmaker,
        state.storage,
        init_deadline=timedelta(seconds=settings.executor_init_deadline_seconds),
        silence=timedelta(seconds=settings.executor_silence_seconds),
        interval=settings.reaper_interval_seconds,
        keep=getattr(launcher, "is_queued", lambda _run_id: False),
        poll=getattr(launcher, "poll", lambda: None),
    )
