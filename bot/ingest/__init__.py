"""Reading notes files into the store."""

__all__: list[str] = []
