"""A flow's settings recorded for the Prefect API without importing FastAPI.

Prefect (3.8.8) stores a flow run's parameters as JSON, converted by FastAPI's
``jsonable_encoder``, which it imports on the first flow run of a process: 0.1 s of every
CLI run, 4 % of an unchanged rerun. depeche's flows take one settings object, a pydantic
model, which pydantic converts itself into the same dictionary
(``model_dump(mode="json", by_alias=True)``, what ``jsonable_encoder`` calls for a
model; tests/test_flow.py compares the two). Any other parameters (a deployment's run
passes plain values) take Prefect's own path.
"""

from __future__ import annotations

from typing import Any

from prefect import Flow
from pydantic import BaseModel


def install(flow: Flow) -> Flow:
    """Serialise ``flow``'s pydantic-model parameters with pydantic; returns ``flow``."""
    prefects_own = flow.serialize_parameters

    def serialize_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
        if parameters and all(isinstance(v, BaseModel) for v in parameters.values()):
            return {k: v.model_dump(mode="json", by_alias=True) for k, v in parameters.items()}
        return prefects_own(parameters)

    flow.serialize_parameters = serialize_parameters  # type: ignore[method-assign]
    return flow
