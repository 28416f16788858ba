"""The HTTP edge: health, readiness and metrics (later also Slack's request URLs)."""

__all__: list[str] = []
