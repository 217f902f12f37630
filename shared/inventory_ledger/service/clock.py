"""The wall clock the handlers hand the services (a module of its own: importing it loads nothing)."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
