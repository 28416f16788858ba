"""The `/paper` command core, shared by Slack, Discord and the terminal."""

__all__: list[str] = []
