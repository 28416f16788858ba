"""Digest building: which notes a destination's next digest holds (pure)."""

__all__: list[str] = []
