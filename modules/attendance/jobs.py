"""Background jobs of the attendance module: module-level functions taking plain values."""

from __future__ import annotations

from . import services


def raise_register_alerts() -> dict[str, int]:
    """Raise "register not taken" alerts for past half-days with unmarked attendances; counts go to the job log."""
    return services.raise_register_alerts()
