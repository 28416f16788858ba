"""I/O edges: platform transports, inbound handlers, the HTTP server and the terminal."""

__all__: list[str] = []
