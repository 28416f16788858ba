"""Slack: a Bolt app on the service's aiohttp server (or Socket Mode), a transport for digests,
`/paper` with its buttons, reactions. Renderers and services are injected by the composition root
(`bot/wiring/slack.py`); nothing here imports formatters or the store's modules."""

__all__: list[str] = []
