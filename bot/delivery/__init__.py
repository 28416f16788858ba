"""Delivery: the publisher, its ledger use, pacing and the failure policy."""

__all__: list[str] = []
