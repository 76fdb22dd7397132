"""Prefect's flow-run heartbeat, stopped as soon as the flow ends.

Prefect (3.8.8) emits a heartbeat event for each flow run from a thread that sleeps in
one-second steps, checking between them whether the run ended, and the engine joins that
thread when the flow returns: every flow run waits up to a second after its work is done,
half a second on average, which is a sixth of an unchanged rerun. The heartbeats are
kept (a zombie-run automation relies on them); here the thread waits on the stop event
itself, so it stops the moment the flow ends. Same events, same interval, same context.

Installed only over the exact function it was written against: another Prefect version
keeps its own heartbeat, and tests/test_flow.py says when that happens.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from prefect import flow_engine

from tasks.pattern_cache import source_digest

#: ``source_digest(prefect.flow_engine._send_heartbeats)`` in Prefect 3.8.8.
PREFECT_SOURCE = "cfe962d73af6893e"


@contextmanager
def send_heartbeats(engine: Any, join_on_exit: bool = True) -> Generator[None, None, None]:
    """``prefect.flow_engine._send_heartbeats``, with an interruptible wait between beats.

    Args:
        engine: Prefect's flow-run engine, whose heartbeat events are sent.
        join_on_exit: wait for the thread when the flow ends (sync engines), as Prefect.
    """
    heartbeat_seconds = engine.heartbeat_seconds
    if heartbeat_seconds is None:
        yield
        return
    heartbeat_seconds = max(heartbeat_seconds, flow_engine.MINIMUM_HEARTBEAT_INTERVAL)
    resource, related = engine._build_heartbeat_event_template()
    stop_event = threading.Event()

    def heartbeat_loop() -> None:
        while not stop_event.is_set():
            if engine.flow_run and engine.flow_run.state and engine.flow_run.state.is_final():
                engine.logger.debug("Flow run in terminal state, stopping heartbeat")
                return
            try:
                engine._emit_flow_run_heartbeat(resource, related)
            except Exception:
                engine.logger.debug("Failed to emit heartbeat", exc_info=True)
            if stop_event.wait(heartbeat_seconds):  # True as soon as the flow ends
                return

    # The thread sees the caller's settings (the API URL), as in Prefect's own.
    heartbeat_ctx = contextvars.copy_context()
    thread = threading.Thread(target=heartbeat_ctx.run, args=(heartbeat_loop,), daemon=True)
    thread.start()
    engine.logger.debug("Started flow run heartbeat context")
    try:
        yield
    finally:
        stop_event.set()
        if join_on_exit:
            thread.join(timeout=2)
        engine.logger.debug("Stopped flow run heartbeat context")


def install() -> bool:
    """Use ``send_heartbeats`` for the flow runs of this process.

    Returns:
        True when in place; False when this Prefect's heartbeat function is not the one
        it was written against, which then stays.
    """
    current = getattr(flow_engine, "_send_heartbeats", None)
    if current is send_heartbeats:
        return True
    if current is None or source_digest(current) != PREFECT_SOURCE:
        return False
    flow_engine._send_heartbeats = send_heartbeats
    return True
