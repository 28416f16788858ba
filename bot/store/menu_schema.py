"""Tag menu tables: each menu message the bot posted, and the tag behind each of its numbers.

A reaction maps to a tag through these rows, not through the menu's text, so it still does after
a restart, and after the menu was edited (the rows then hold the numbers' new tags).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.schema import Base
from bot.store.types import UTCDateTime

__all__ = ["TagMenuItemRow", "TagMenuRow"]


class TagMenuRow(Base):
    """One posted menu message: where it is, and the language it was posted in."""

    __tablename__ = "tag_menus"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", "message_id", name="uq_tag_menus_ref"),
    )


class TagMenuItemRow(Base):
    """The tag behind one number of one menu, as the menu shows it now."""

    __tablename__ = "tag_menu_items"

    menu_id: Mapped[int] = mapped_column(
        ForeignKey("tag_menus.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(200))
