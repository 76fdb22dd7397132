"""The logger a task's code writes to: the run's, so that its lines reach the Prefect UI,
else the module's, when the same code is called outside a flow (benchmarks, tests)."""

from __future__ import annotations

import logging

from prefect import get_run_logger
from prefect.exceptions import MissingContextError


def run_logger(name: str) -> logging.Logger | logging.LoggerAdapter:
    """The flow or task run's logger; the ``name`` logger outside a run."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(name)
