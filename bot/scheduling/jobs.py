"""Importable job bodies that tie ingest to delivery."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.delivery.corrections import CorrectionReport
from bot.delivery.service import Delivery
from bot.ingest.importer import IngestReport, ingest_paths

__all__ = ["ingest_and_correct"]


async def ingest_and_correct(
    paths: Iterable[Path], delivery: Delivery
) -> tuple[IngestReport, CorrectionReport]:
    """Read notes files, then edit the posted messages of every note that changed or went."""
    report = await ingest_paths(paths, delivery.notes, delivery.clock)
    return report, await delivery.corrections.apply(report.changed_keys)
