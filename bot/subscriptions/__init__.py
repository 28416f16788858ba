"""Tag subscriptions and personal DM digests: who follows what, and what they get."""

__all__: list[str] = []
