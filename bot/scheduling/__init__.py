"""Scheduling: cron slots per destination, the APScheduler wiring and leader election."""

__all__: list[str] = []
