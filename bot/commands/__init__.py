"""Chat command cores: platform-neutral handlers the adapters call."""

__all__: list[str] = []
