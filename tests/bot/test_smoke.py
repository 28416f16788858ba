from bot.app import App


async def test_fresh_database_has_no_notes(app: App) -> None:
    assert await app.notes.count() == 0
