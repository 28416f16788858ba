"""Ingest into real databases (SQLite and PostgreSQL): idempotence, edits, retraction, bad files."""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from bot.app import App
from bot.ingest.importer import collect_note_files, ingest_paths
from tests.support.clock import FixedClock
from tests.support.search import keys_for, search_service
from tests.support.sql_events import commits, selects

CRAFTED = """2024-05-01
Alpha paper
(A. Author)
Alpha abstract.
알파 코멘트.
#alpha #shared_tag
Beta paper
베타 코멘트.
#beta
Gamma paper
감마 코멘트.
#gamma
"""


async def _export(app: App) -> list[dict[str, object]]:
    return [note.to_export() async for note in app.notes.iter_notes()]


def _corpus(tmp_path: Path, seeds_dir: Path) -> Path:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    return corpus


async def test_seeds_go_in_once_and_reingest_changes_nothing(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path, seeds_dir)
    first = await ingest_paths([corpus], app.notes, app.clock)
    assert first.total("added") == 41 and not first.skipped
    before = await _export(app)
    again = await ingest_paths([corpus], app.notes, app.clock)
    assert again.total("added") == again.total("updated") == again.total("retracted") == 0
    assert again.total("unchanged") == 41
    assert await _export(app) == before


async def test_an_unchanged_folder_is_checked_in_a_few_statements_whatever_its_size(
    app: App, tmp_path: Path
) -> None:
    """The hash check reads the stored hashes at once: not a lookup (or two) per file."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for n in range(60):
        day = date(2024, 1, 1) + timedelta(days=n)
        (corpus / f"{day}.txt").write_text(
            CRAFTED.replace("2024-05-01", day.isoformat()), encoding="utf-8"
        )
    first = await ingest_paths([corpus], app.notes, app.clock)
    assert first.total("added") == 180 and not first.skipped
    with selects(app.engine) as statements:
        again = await ingest_paths([corpus], app.notes, app.clock)
    assert all(f.cached for f in again.files) and again.total("unchanged") == 180
    assert len(statements) <= 3, statements


async def test_same_notes_replaced_again_are_all_unchanged(app: App, tmp_path: Path) -> None:
    path = tmp_path / "day.txt"
    path.write_text(CRAFTED, encoding="utf-8")
    await ingest_paths([path], app.notes, app.clock)
    from bot.ingest.parser import parse_notes

    parsed = parse_notes(CRAFTED, str(path))
    notes = [n for n in (await app.notes.get([n.key for n in parsed.notes]))]
    changes = await app.notes.replace_file(
        str(path.resolve()), parsed.day, notes, file_hash="x", parser_version=0, now=app.clock.now()
    )
    assert changes.unchanged == [n.key for n in parsed.notes]
    assert changes.added == changes.updated == changes.retracted == []


async def test_export_is_sorted_by_date_then_file_position(app: App, seeds_dir: Path) -> None:
    await ingest_paths([seeds_dir], app.notes, app.clock)
    rows = await _export(app)
    assert len(rows) == 41
    assert set(rows[0]) == {
        "id", "date", "title", "authors", "abstract", "commentary", "links", "tags", "retracted"
    }  # fmt: skip
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    first_day = [r["title"] for r in rows if r["date"] == "2024-01-23"]
    assert first_day[0] == "WARM: On the Benefits of Weight Averaged Reward Models"
    assert first_day[-1].startswith("CMMMU")


async def test_edited_entry_is_updated_in_place(
    app: App, tmp_path: Path, clock: FixedClock
) -> None:
    path = tmp_path / "day.txt"
    path.write_text(CRAFTED, encoding="utf-8")
    await ingest_paths([path], app.notes, app.clock)
    key = (await _export(app))[1]["id"]
    path.write_text(CRAFTED.replace("베타 코멘트.", "고친 베타 코멘트."), encoding="utf-8")
    report = await ingest_paths([path], app.notes, app.clock)
    assert report.total("updated") == 1 and report.total("unchanged") == 2
    assert report.changed_keys == [key]
    (beta,) = await app.notes.get([str(key)])
    assert beta.commentary == "고친 베타 코멘트."
    assert await app.notes.count() == 3


async def test_entry_gone_from_its_file_is_retracted_not_deleted(app: App, tmp_path: Path) -> None:
    path = tmp_path / "day.txt"
    path.write_text(CRAFTED, encoding="utf-8")
    await ingest_paths([path], app.notes, app.clock)
    path.write_text(CRAFTED.replace("Beta paper\n베타 코멘트.\n#beta\n", ""), encoding="utf-8")
    report = await ingest_paths([path], app.notes, app.clock)
    assert report.total("retracted") == 1
    rows = {r["title"]: r for r in await _export(app)}
    assert rows["Beta paper"]["retracted"] is True
    assert rows["Alpha paper"]["retracted"] is False
    assert await app.notes.count() == 2
    assert await app.notes.count(include_retracted=True) == 3
    path.write_text(CRAFTED, encoding="utf-8")
    back = await ingest_paths([path], app.notes, app.clock)
    assert back.total("updated") == 1
    assert all(r["retracted"] is False for r in await _export(app))


async def test_tags_are_stored_for_sql_filtering(app: App, tmp_path: Path) -> None:
    path = tmp_path / "day.txt"
    path.write_text(CRAFTED, encoding="utf-8")
    await ingest_paths([path], app.notes, app.clock)
    async with app.engine.connect() as conn:
        rows = await conn.execute(text("SELECT tag FROM note_tags ORDER BY tag"))
        assert [r[0] for r in rows] == ["alpha", "beta", "gamma", "shared-tag"]


BAD_FILES: dict[str, bytes] = {
    "bad_utf8.txt": b"2024-05-02\nTitle\n\xff\xfe\n#x\n",
    "bad_date.txt": "2024년 2월 30일\nTitle\n#x\n".encode(),
    "empty.txt": b"",
    "only_tags.txt": b"#rlhf #alignment\n#x\n",
    "huge_line.txt": b"y" * (5 * 1024 * 1024),
}


async def test_bad_files_are_skipped_and_the_rest_goes_in(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path, seeds_dir)
    await ingest_paths([corpus], app.notes, app.clock)
    before = await _export(app)
    for name, data in BAD_FILES.items():
        (corpus / name).write_bytes(data)
    victim = corpus / "002_79b7e80049c25ed0.txt"
    victim.write_bytes(b"\xff" + victim.read_bytes())  # a stored file turns unreadable
    (corpus / "new_day.txt").write_text(CRAFTED, encoding="utf-8")
    report = await ingest_paths([corpus], app.notes, app.clock)
    skipped = {Path(r.path).name: r.skipped for r in report.skipped}
    assert set(skipped) == {*BAD_FILES, victim.name}
    assert "bad_utf8.txt:3: not valid UTF-8" in str(skipped["bad_utf8.txt"])
    assert "bad_date.txt:1: 2024년 2월 30일 is not a real calendar date" in str(
        skipped["bad_date.txt"]
    )
    assert "empty.txt:1: file is empty" in str(skipped["empty.txt"])
    assert "only_tags.txt:1: no date header" in str(skipped["only_tags.txt"])
    assert "huge_line.txt:1: line is 5,242,880 characters long" in str(skipped["huge_line.txt"])
    assert report.total("added") == 3
    after = {r["id"]: r for r in await _export(app)}
    assert all(after[r["id"]] == r for r in before)  # nothing stored before changed or retracted
    assert len(after) == 44


async def test_a_date_header_in_other_digits_is_refused_naming_the_digit(
    app: App, tmp_path: Path
) -> None:
    """docs/notes-format.md: the date header is written in ASCII digits. `２０２４-０５-０１`
    (full-width) or Arabic-Indic digits are refused with the file, the line and the character,
    and the notes stored from that file before stay as they were."""
    folder = tmp_path / "notes"
    folder.mkdir()
    day = folder / "day.txt"
    day.write_text(CRAFTED, encoding="utf-8")
    await ingest_paths([folder], app.notes, app.clock)
    before = await _export(app)
    day.write_text("\n\n２０２４-０５-０１" + CRAFTED.removeprefix("2024-05-01"), encoding="utf-8")
    (folder / "other.txt").write_text("٢٠٢٤년 ٥월 ٢일\nTitle\n#x\n", encoding="utf-8")
    report = await ingest_paths([folder], app.notes, app.clock)
    skipped = {Path(r.path).name: str(r.skipped) for r in report.skipped}
    assert "day.txt:3: date header: '２' is not an ASCII digit (write 2)" in skipped["day.txt"]
    assert "other.txt:1: date header: '٢' is not an ASCII digit (write 2)" in skipped["other.txt"]
    assert await _export(app) == before  # nothing retracted or changed


async def test_a_file_over_20_mb_is_skipped_unread_and_the_rest_goes_in(
    app: App, tmp_path: Path
) -> None:
    """README, notes format: a file over 20 MB is one of the reasons a file is skipped."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "day.txt").write_text(CRAFTED, encoding="utf-8")
    huge = folder / "huge.txt"
    huge.write_bytes(b"2024-05-02\nHuge\n#x\n" + b"x" * (20 * 1024 * 1024))
    report = await ingest_paths([folder], app.notes, app.clock)
    (skipped,) = report.skipped
    assert str(skipped.skipped) == f"{huge}:1: file is over 20 MB; not a notes file"
    assert report.total("added") == 3


def test_a_folder_is_read_for_txt_files_recursively(tmp_path: Path) -> None:
    """README, Commands: `ingest` reads `*.txt` under a folder, recursively (hidden ones not)."""
    for name in ("a.txt", "sub/b.txt", "sub/deeper/c.txt", "notes.md", ".hidden/d.txt", ".e.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("2024-05-01\nT\n#t\n", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in collect_note_files([tmp_path])]
    assert found == ["a.txt", "sub/b.txt", "sub/deeper/c.txt"]


async def _refuse_gamma(app: App) -> None:
    """A real database fault: a trigger refusing the note titled 'Gamma paper'."""
    async with app.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_gamma BEFORE INSERT ON notes "
                    "WHEN NEW.title = 'Gamma paper' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE FUNCTION refuse_gamma() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN IF NEW.title = 'Gamma paper' THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_gamma BEFORE INSERT ON notes "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_gamma()"
                )
            )


def _day_file(folder: Path, day: date, *titles: str) -> Path:
    path = folder / f"{day}.txt"
    body = "".join(f"{title}\n{title.split()[0].lower()} commentary.\n#t\n" for title in titles)
    path.write_text(f"{day}\n{body}", encoding="utf-8")
    return path


async def test_many_small_files_are_stored_in_a_few_transactions(app: App, tmp_path: Path) -> None:
    """Files are stored in batches: 60 files of 3 notes are not 60 commits."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    for n in range(60):
        _day_file(corpus, date(2024, 1, 1) + timedelta(days=n), "Alpha paper", "Beta paper", "Psi")
    with commits(app.engine) as committed:
        report = await ingest_paths([corpus], app.notes, app.clock)
    assert report.total("added") == 180 and not report.skipped
    assert len(committed) <= 3, len(committed)
    assert [Path(r.path).name for r in report.files] == sorted(p.name for p in corpus.iterdir())


async def test_a_refused_file_in_the_middle_of_a_batch_loses_only_itself(
    app: App, tmp_path: Path
) -> None:
    """The batch around a refused file is stored again file by file: only that file is
    skipped (named, with the database's reason), the files before and after it go in, and
    the notes stored before stay as they were."""
    corpus = tmp_path / "notes"
    corpus.mkdir()
    first = _day_file(corpus, date(2024, 3, 1), "Alpha paper")
    await ingest_paths([corpus], app.notes, app.clock)
    before = await _export(app)
    await _refuse_gamma(app)
    first.write_text(first.read_text("utf-8") + "Delta paper\n#d\n", encoding="utf-8")
    _day_file(corpus, date(2024, 3, 2), "Beta paper")
    bad = _day_file(corpus, date(2024, 3, 3), "Epsilon paper", "Gamma paper")
    _day_file(corpus, date(2024, 3, 4), "Zeta paper")
    report = await ingest_paths([corpus], app.notes, app.clock)
    assert [Path(r.path).name for r in report.files] == sorted(p.name for p in corpus.iterdir())
    assert [r.path for r in report.skipped] == [str(bad)]
    assert f"{bad}: the database refused the file" in str(report.skipped[0].skipped)
    assert "refused" in str(report.skipped[0].skipped).rsplit(":", 1)[1]
    after = await _export(app)
    assert sorted(r["title"] for r in after) == [
        "Alpha paper",
        "Beta paper",
        "Delta paper",
        "Zeta paper",
    ]
    assert all(r in after for r in before)
    assert report.total("added") == 3 and report.total("unchanged") == 1


async def test_a_note_edited_twice_in_one_batch_is_indexed_as_the_last_file_has_it(
    app: App, tmp_path: Path
) -> None:
    """Two files of one day holding the same title share the note's key: the later file's
    version wins, in the notes and in search, exactly as when each file is its own ingest."""
    folder = tmp_path / "notes"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    day = "2024-04-01\nShared paper\n"
    (folder / "a" / "day.txt").write_text(day + "walrus commentary.\n#t\n", encoding="utf-8")
    (folder / "b" / "day.txt").write_text(day + "narwhal commentary.\n#t\n", encoding="utf-8")
    with commits(app.engine) as committed:
        report = await ingest_paths([folder], app.notes, app.clock)
    assert not report.skipped and len(committed) == 1
    service = search_service(app)
    [note] = [n async for n in app.notes.iter_notes()]
    assert await keys_for(service, "narwhal") == [note.key]
    assert await keys_for(service, "walrus") == []


async def test_database_failure_mid_file_stores_nothing_of_that_file(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    """A real database fault (a trigger refusing one row) rolls the whole file back."""
    await _refuse_gamma(app)
    path = tmp_path / "day.txt"
    path.write_text(CRAFTED, encoding="utf-8")
    report = await ingest_paths([path, seeds_dir], app.notes, app.clock)
    assert [Path(r.path).name for r in report.skipped] == ["day.txt"]
    assert "refused" in str(report.skipped[0].skipped)
    titles = {r["title"] for r in await _export(app)}
    assert "Alpha paper" not in titles and "Beta paper" not in titles
    assert len(titles) == 41


async def test_a_file_whose_path_is_over_500_characters_is_skipped_on_every_engine(
    app: App, tmp_path: Path
) -> None:
    """The store keeps a file's resolved path in varchar(500): PostgreSQL refused a deeper
    file ('value too long'), SQLite stored it. Now both skip it naming the file; the rest of
    the folder still goes in."""
    folder = tmp_path / "notes"
    deep = folder.joinpath(*["d" * 50] * 10)
    deep.mkdir(parents=True)
    (folder / "day.txt").write_text(CRAFTED, encoding="utf-8")
    buried = deep / "deep.txt"
    buried.write_text("2024-05-02\nDeep\n#x\n", encoding="utf-8")
    report = await ingest_paths([folder], app.notes, app.clock)
    (skipped,) = report.skipped
    length = len(str(buried.resolve()))
    assert length > 500
    assert skipped.skipped == f"{buried}: its path is {length:,} characters long; the limit is 500"
    assert report.total("added") == 3
    assert "Deep" not in {note["title"] for note in await _export(app)}


async def test_a_file_whose_name_is_not_utf8_is_skipped_and_the_rest_goes_in(
    app: App, tmp_path: Path
) -> None:
    """Linux file names are any bytes: `caf\\xe9.txt` (Latin-1) reaches Python as `caf\\udce9`,
    which no database text holds. SQLite raised UnicodeEncodeError out of the whole ingest
    (the other files of its batch lost), PostgreSQL refused the file with a driver error."""
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "day.txt").write_text(CRAFTED, encoding="utf-8")
    latin = Path(os.fsdecode(bytes(folder) + b"/caf\xe9.txt"))
    latin.write_text("2024-05-02\nLatin-1 name\n#x\n", encoding="utf-8")
    report = await ingest_paths([folder], app.notes, app.clock)
    (skipped,) = report.skipped
    assert (
        skipped.skipped == f"{latin}: its path is not valid UTF-8 (byte 0xe9); rename it in UTF-8"
    )
    assert report.total("added") == 3
