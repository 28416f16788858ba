"""Chat command cores: `/paper` and its sub-commands, shared by Slack, Discord and the terminal."""

__all__: list[str] = []
