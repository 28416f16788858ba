"""Keeping the search index in step with the notes, inside the ingest's transaction.

Every posting of a batch of notes is computed in Python first; then each table is written with
one multi-row statement (executemany on SQLite, one `unnest()` on PostgreSQL; the new postings
with one per term range), so a batch costs about twenty round trips whatever its size. A changed
or retracted note's old postings are recomputed from the note as it was stored (the store hands
it over) and checked against the fingerprint kept beside its text, so only the postings that
differ are written and deleted by primary key; when the check fails (the index was built by
another glossary or tokenizer) they are read from the postings instead. The vocabulary's
document frequencies move by the difference, so re-ingesting an unchanged corpus writes nothing.
The same synchronous code serves ingest (through `run_sync`), `--reindex` and the migration that
rebuilds the index.

Ingest tokenises its notes and hashes their postings before it opens the transaction
(`SearchIndexer.prepare`, yielding to the event loop between slices of notes), so neither
SQLite's write lock nor the event loop is held while a batch is tokenised. The writing itself is
a generator of steps (`_index_steps`): ingest runs one step per `run_sync` and lets the loop
turn between them, so the loop is held for one step at a time (the posting rows of a slice of
notes, one term range sorted and written, a statement), never for a whole batch; `--reindex` and
the migration run the same steps back to back. Each step's share is bounded by notes
(`_ROW_SLICE`) and term ranges (`_TERM_PARTS`), never by time, so the rows and the order they
are written in do not depend on the machine.
"""

from __future__ import annotations

import asyncio
import hashlib
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, load_only

from bot.models import Note
from bot.search.glossary import Glossary
from bot.search.group_terms import GroupMatcher
from bot.search.index_terms import IndexedNote, index_note
from bot.store.note_rows import note_from_row
from bot.store.schema import NoteRow
from bot.store.search_schema import (
    DOC_COUNT_TERM,
    GLOSSARY_VERSION,
    SearchDocRow,
    SearchIndexInfoRow,
    SearchTextRow,
)

__all__ = [
    "PreparedNotes",
    "SearchIndexer",
    "index_glossary_version",
    "postings_fingerprint",
    "rebuild_index",
    "rebuild_search_index",
    "stale_glossary_message",
]

_BATCH = 500
_PREPARE_SLICE = 10
"""Notes tokenised and fingerprinted between two turns of the event loop (3-4 ms of work)."""

_ROW_SLICE = 50
"""Notes whose posting rows one step builds (about 17,000 rows on the synthetic corpus)."""

_TERM_PARTS = 16
"""A batch's new postings are sorted by term in this many term ranges, one step each, instead
of in one sort that held the loop for 25-30 ms (400 notes, 140,000 rows)."""


@dataclass(frozen=True, slots=True)
class PreparedNotes:
    """Notes tokenised ahead of their transaction, with their postings' fingerprints, each kept
    with the very note object it was made from: a note that is not that object (another
    version) is tokenised again."""

    indexed: Mapping[str, tuple[Note, IndexedNote, bytes]]

    def get(self, note: Note) -> tuple[IndexedNote, bytes] | None:
        found = self.indexed.get(note.key)
        return (found[1], found[2]) if found is not None and found[0] is note else None


def postings_fingerprint(terms: dict[str, int]) -> bytes:
    """Eight bytes naming a note's exact postings (its sorted terms, then their weights in that
    order, hashed): what `search_texts` keeps so old postings can be recomputed from the stored
    note and trusted. Terms hold no newline."""
    keys = sorted(terms)
    data = "\n".join(keys) + "\n\n" + ",".join(map(str, map(terms.__getitem__, keys)))
    return hashlib.blake2b(data.encode("utf-8"), digest_size=8).digest()


@dataclass(frozen=True, slots=True)
class SearchIndexer:
    """The glossary-aware index writer the notes store is given (`NoteIndexer`)."""

    glossary: Glossary
    groups: GroupMatcher

    @classmethod
    def build(cls, glossary: Glossary) -> SearchIndexer:
        return cls(glossary, GroupMatcher.build(glossary))

    async def prepare(self, notes: Sequence[Note]) -> PreparedNotes:
        """Tokenise `notes` and fingerprint their postings now, before the transaction that
        stores them, a slice at a time."""
        indexed: dict[str, tuple[Note, IndexedNote, bytes]] = {}
        for start in range(0, len(notes), _PREPARE_SLICE):
            for note in notes[start : start + _PREPARE_SLICE]:
                made = index_note(note, self.groups)
                indexed[note.key] = (note, made, postings_fingerprint(made.terms))
            await asyncio.sleep(0)
        return PreparedNotes(indexed)

    async def update(
        self,
        session: AsyncSession,
        notes: Sequence[Note],
        retracted: Sequence[str],
        previous: Mapping[str, Note] | None = None,
        prepared: object = None,
    ) -> None:
        """Re-index `notes` (added or changed) and take `retracted` keys out of search;
        `previous` holds the stored version of changed and retracted notes, if known;
        `prepared` what `prepare` made of them."""
        if not notes and not retracted:
            return
        version = self.glossary.index_version
        ready = prepared if isinstance(prepared, PreparedNotes) else None

        def steps(sync: Session) -> Iterator[None]:
            connection = sync.connection()
            yield from _change_steps(
                connection, notes, retracted, self.groups, previous or {}, ready
            )
            _stamp(connection, version, replace=False)

        await _run_steps(session, steps)


_DONE = object()


async def _run_steps(session: AsyncSession, steps: Callable[[Session], Iterator[None]]) -> None:
    """Run `steps` on the session's connection one step per `run_sync`, the event loop turning
    between them (a generator's frame is resumed in whichever greenlet asks for its next step;
    nothing else uses the session meanwhile)."""
    running: Iterator[None] | None = None

    def step(sync: Session) -> bool:
        nonlocal running
        if running is None:
            running = steps(sync)
        return next(running, _DONE) is not _DONE

    more = True
    while more:
        more = await session.run_sync(step)
        if more:
            await asyncio.sleep(0)  # the loop's turn: /paper, interactions, heartbeats


def _drain(steps: Iterator[None]) -> None:
    """Run every step at once (a synchronous caller: `--reindex`, the migration)."""
    for _ in steps:
        pass


def _change_steps(
    connection: Connection,
    notes: Sequence[Note],
    retracted: Sequence[str],
    groups: GroupMatcher | None,
    previous: Mapping[str, Note],
    prepared: PreparedNotes | None = None,
) -> Iterator[None]:
    """Index added or changed `notes` and drop `retracted` keys, in the caller's transaction."""
    deltas: Counter[str] = Counter()
    if notes:
        yield from _index_steps(connection, notes, groups, deltas, previous, prepared)
    if retracted:
        yield from _retract(connection, retracted, groups, deltas, previous)
    _apply_df(connection, deltas)


def _doc_values(note: Note) -> dict[str, Any]:
    return {
        "note_id": note.key,
        "day": note.day,
        "position": note.position,
        "retracted": note.retracted,
    }


def _known(connection: Connection, keys: Sequence[str]) -> dict[str, tuple[int, bytes | None]]:
    """Index id, and the postings' fingerprint of live ones, of the keys already indexed."""
    rows = connection.execute(
        select(SearchDocRow.note_id, SearchDocRow.doc, SearchTextRow.fingerprint)
        .outerjoin(SearchTextRow, SearchTextRow.doc == SearchDocRow.doc)
        .where(SearchDocRow.note_id.in_(keys))
    )
    return {str(key): (int(doc), None if fp is None else bytes(fp)) for key, doc, fp in rows}


def _old_postings(
    connection: Connection,
    known: Mapping[str, tuple[int, bytes | None]],
    groups: GroupMatcher | None,
    previous: Mapping[str, Note],
) -> Generator[None, None, dict[str, dict[str, int]]]:
    """The stored postings of each known live key: recomputed from its previous version when
    the fingerprint agrees (no read), else read from the postings (a scan, but only for an
    index another glossary or tokenizer built, or a note changed behind the index's back).
    A step per slice of previous versions tokenised."""
    found: dict[str, dict[str, int]] = {}
    unsure: dict[int, str] = {}
    tokenised = 0
    for key, (doc, fingerprint) in known.items():
        if fingerprint is None:
            continue
        note = previous.get(key)
        terms = index_note(note, groups).terms if note is not None else None
        if terms is not None and postings_fingerprint(terms) == fingerprint:
            found[key] = terms
        else:
            unsure[doc] = key
            found[key] = {}
        if note is not None:
            tokenised += 1
            if tokenised % _PREPARE_SLICE == 0:
                yield
    if unsure:
        rows = connection.execute(
            text("SELECT doc, term, weight FROM search_postings WHERE doc IN :docs").bindparams(
                bindparam("docs", expanding=True)
            ),
            {"docs": list(unsure)},
        )
        for doc, term, weight in rows:
            found[unsure[int(doc)]][str(term)] = int(weight)
    return found


_Posting = tuple[str, int, int, int]
"""A `search_postings` row as written: term, doc, weight, day."""


class _TermParts:
    """New posting rows kept in term ranges, each in the order they came: each range sorted by
    term on its own (a stable sort), written range after range, gives the rows in exactly the
    order one stable sort of them all by term would, a range per step."""

    __slots__ = ("bounds", "parts")

    def __init__(self, bounds: Sequence[str]) -> None:
        self.bounds = list(bounds)
        self.parts: list[list[_Posting]] = [[] for _ in range(len(self.bounds) + 1)]

    @classmethod
    def around(cls, sample: Iterable[dict[str, int]], parts: int) -> _TermParts:
        """`parts` ranges holding about as many of the sample's distinct terms each (the
        bounds only balance the steps: any bounds give the same rows in the same order)."""
        terms = sorted(set().union(*sample))
        return cls(
            sorted({terms[len(terms) * k // parts] for k in range(1, parts)} if terms else ())
        )

    def add_note(self, terms: dict[str, int], doc: int, day: int) -> None:
        """Every term of a note, cut into the ranges at C speed (`index_note` gives its terms
        in order; out of order they would still all be written, in another order)."""
        keys, weights = list(terms), list(terms.values())
        low = 0
        for part, bound in zip(self.parts, self.bounds, strict=False):
            high = bisect_left(keys, bound, low)
            part.extend(zip(keys[low:high], repeat(doc), weights[low:high], repeat(day)))
            low = high
        self.parts[-1].extend(zip(keys[low:], repeat(doc), weights[low:], repeat(day)))

    def add(self, row: _Posting) -> None:
        self.parts[bisect_right(self.bounds, row[0])].append(row)


def _indexed(
    note: Note, groups: GroupMatcher | None, prepared: PreparedNotes | None
) -> tuple[IndexedNote, bytes]:
    """A note's index rows and their fingerprint: as prepared, else worked out now."""
    found = prepared.get(note) if prepared is not None else None
    if found is None:
        made = index_note(note, groups)
        found = (made, postings_fingerprint(made.terms))
    return found


def _index_steps(
    connection: Connection,
    notes: Sequence[Note],
    groups: GroupMatcher | None,
    deltas: Counter[str],
    previous: Mapping[str, Note],
    prepared: PreparedNotes | None,
) -> Iterator[None]:
    known = _known(connection, [n.key for n in notes])
    stored = yield from _old_postings(connection, known, groups, previous)
    existing = [n for n in notes if n.key in known]
    fresh = [n for n in notes if n.key not in known]
    if existing:
        connection.execute(
            text(
                "UPDATE search_docs SET day = :day, position = :position, "
                "retracted = :retracted WHERE note_id = :note_id"
            ),
            [_doc_values(n) for n in existing],
        )
        docs = [doc for doc, fingerprint in known.values() if fingerprint is not None]
        if docs:
            connection.execute(delete(SearchTextRow).where(SearchTextRow.doc.in_(docs)))
    if fresh:
        connection.execute(insert(SearchDocRow), [_doc_values(n) for n in fresh])
        deltas[DOC_COUNT_TERM] += len(fresh)
        known.update(_known(connection, [n.key for n in fresh]))
    added: _TermParts | None = None
    changed: list[tuple[int, str, int]] = []
    dropped: list[tuple[str, int]] = []
    texts: list[dict[str, Any]] = []
    for start in range(0, len(notes), _ROW_SLICE):
        part = notes[start : start + _ROW_SLICE]
        made = [_indexed(note, groups, prepared) for note in part]
        if added is None:  # the first slice's terms stand for the batch's
            added = _TermParts.around((indexed.terms for indexed, _ in made), _TERM_PARTS)
        for note, (indexed, fingerprint) in zip(part, made, strict=True):
            doc, _ = known[note.key]
            old = stored.get(note.key)
            day = note.day.toordinal()
            if not old:  # a new (or re-added) note: every term is added, at C speed
                added.add_note(indexed.terms, doc, day)
                deltas.update(indexed.terms.keys())
            else:
                for term, weight in indexed.terms.items():
                    before = old.get(term)
                    if before is None:
                        added.add((term, doc, weight, day))
                        deltas[term] += 1
                    elif before != weight:
                        changed.append((weight, term, doc))
                for term in old.keys() - indexed.terms.keys():
                    dropped.append((term, doc))
                    deltas[term] -= 1
            texts.append(_text_values(doc, indexed, fingerprint))
        yield
    _delete_postings(connection, dropped)
    _bulk(connection, "UPDATE search_postings SET weight = ? WHERE term = ? AND doc = ?", changed)
    for rows in added.parts if added is not None else ():
        rows.sort(key=itemgetter(0))  # by term; stable, so each term's notes stay in doc order
        _bulk(
            connection,
            "INSERT INTO search_postings (term, doc, weight, day) VALUES (?, ?, ?, ?)",
            rows,
        )
        yield
    connection.execute(insert(SearchTextRow), texts)


def _text_values(doc: int, indexed: IndexedNote, fingerprint: bytes) -> dict[str, Any]:
    return {
        "doc": doc,
        "text": indexed.text,
        "authors_text": indexed.authors_text,
        "fingerprint": fingerprint,
    }


def _retract(
    connection: Connection,
    keys: Sequence[str],
    groups: GroupMatcher | None,
    deltas: Counter[str],
    previous: Mapping[str, Note],
) -> Iterator[None]:
    """Mark the keys retracted and delete their postings (exactly those they had)."""
    known = _known(connection, keys)
    stored = yield from _old_postings(connection, known, groups, previous)
    connection.execute(
        update(SearchDocRow).where(SearchDocRow.note_id.in_(keys)).values(retracted=True)
    )
    dropped = []
    for key, terms in stored.items():
        doc = known[key][0]
        for term in terms:
            dropped.append((term, doc))
            deltas[term] -= 1
    dropped.sort()
    _delete_postings(connection, dropped)
    docs = [doc for doc, fingerprint in known.values() if fingerprint is not None]
    if docs:
        connection.execute(delete(SearchTextRow).where(SearchTextRow.doc.in_(docs)))


def _delete_postings(connection: Connection, rows: list[tuple[str, int]]) -> None:
    _bulk(connection, "DELETE FROM search_postings WHERE term = ? AND doc = ?", rows)


_PG_BULK = {
    "INSERT INTO search_postings (term, doc, weight, day) VALUES (?, ?, ?, ?)": (
        "INSERT INTO search_postings (term, doc, weight, day) "
        "SELECT * FROM unnest($1::varchar[], $2::int[], $3::int[], $4::int[])"
    ),
    "UPDATE search_postings SET weight = ? WHERE term = ? AND doc = ?": (
        "UPDATE search_postings AS p SET weight = x.weight "
        "FROM unnest($1::int[], $2::varchar[], $3::int[]) AS x(weight, term, doc) "
        "WHERE p.term = x.term AND p.doc = x.doc"
    ),
    "DELETE FROM search_postings WHERE term = ? AND doc = ?": (
        "DELETE FROM search_postings AS p USING unnest($1::varchar[], $2::int[]) AS x(term, doc) "
        "WHERE p.term = x.term AND p.doc = x.doc"
    ),
    "INSERT INTO search_terms (term, df) VALUES (?, ?) "
    "ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df": (
        "INSERT INTO search_terms (term, df) SELECT * FROM unnest($1::varchar[], $2::int[]) "
        "ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df"
    ),
}
"""Each bulk statement's PostgreSQL form: the rows as column arrays, one statement and one
round trip however many rows (executemany would send one statement per row)."""


def _bulk(connection: Connection, sqlite: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """`sqlite` (qmark style) for every row, at driver speed."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        arrays = tuple(list(column) for column in zip(*rows, strict=True))
        connection.exec_driver_sql(_PG_BULK[sqlite], arrays)
    else:
        connection.exec_driver_sql(sqlite, list(rows))


def _apply_df(connection: Connection, deltas: Counter[str]) -> None:
    """Add the document-frequency changes; sorted, so concurrent ingests lock terms in order
    (by term alone: terms are distinct, and a sort by key skips comparing tuples)."""
    rows = [(term, delta) for term, delta in sorted(deltas.items(), key=itemgetter(0)) if delta]
    _bulk(
        connection,
        "INSERT INTO search_terms (term, df) VALUES (?, ?) "
        "ON CONFLICT (term) DO UPDATE SET df = search_terms.df + excluded.df",
        rows,
    )


def _stamp(connection: Connection, version: str, *, replace: bool) -> None:
    """Record the glossary version that built the index; an ingest only fills it in when absent
    (an index built with another glossary stays marked as such until `--reindex`)."""
    found = connection.scalar(
        select(SearchIndexInfoRow.value).where(SearchIndexInfoRow.name == GLOSSARY_VERSION)
    )
    if found is None:
        connection.execute(insert(SearchIndexInfoRow).values(name=GLOSSARY_VERSION, value=version))
    elif replace and found != version:
        connection.execute(
            update(SearchIndexInfoRow)
            .where(SearchIndexInfoRow.name == GLOSSARY_VERSION)
            .values(value=version)
        )


def rebuild_index(connection: Connection, glossary: Glossary) -> int:
    """Re-index every live note from the notes table and stamp the glossary; returns how many.

    Notes without an index id get one first (in day and file order); existing ids are kept, so
    ties still break the same way on every database.
    """
    for table in ("search_postings", "search_texts", "search_terms"):
        connection.execute(text(f"DELETE FROM {table}"))
    _add_missing_docs(connection)
    groups = GroupMatcher.build(glossary)
    deltas: Counter[str] = Counter()
    deltas[DOC_COUNT_TERM] = int(
        connection.scalar(select(func.count()).select_from(SearchDocRow)) or 0
    )
    count, last = 0, ""
    with Session(bind=connection) as session:
        while True:
            query = (
                select(NoteRow)
                .options(load_only(*_INDEXED_COLUMNS))
                .where(NoteRow.retracted.is_(False), NoteRow.id > last)
            )
            rows = session.scalars(query.order_by(NoteRow.id).limit(_BATCH)).all()
            if not rows:
                break
            batch = [note_from_row(row) for row in rows]
            _drain(_index_steps(connection, batch, groups, deltas, {}, None))
            count, last = count + len(rows), rows[-1].id
            session.expunge_all()
    _apply_df(connection, deltas)
    _stamp(connection, glossary.index_version, replace=True)
    return count


_INDEXED_COLUMNS = (
    NoteRow.id,
    NoteRow.day,
    NoteRow.title,
    NoteRow.authors,
    NoteRow.abstract,
    NoteRow.commentary,
    NoteRow.links,
    NoteRow.tags,
    NoteRow.source_file,
    NoteRow.source_line,
    NoteRow.position,
    NoteRow.retracted,
)
"""What a rebuild reads of a stored note: columns every schema version since 0001 has, so the
migration that rebuilds the index runs whatever columns later migrations add to notes."""


def _add_missing_docs(connection: Connection) -> None:
    """Index ids for notes stored before the index had them; retracted flags from the notes."""
    missing = select(NoteRow.id, NoteRow.day, NoteRow.position, NoteRow.retracted).where(
        ~select(SearchDocRow.doc).where(SearchDocRow.note_id == NoteRow.id).exists()
    )
    rows = connection.execute(missing.order_by(NoteRow.day, NoteRow.position, NoteRow.id)).all()
    if rows:
        connection.execute(
            insert(SearchDocRow),
            [
                {"note_id": r.id, "day": r.day, "position": r.position, "retracted": r.retracted}
                for r in rows
            ],
        )
    connection.execute(
        text(
            "UPDATE search_docs SET retracted = (SELECT n.retracted FROM notes AS n "
            "WHERE n.id = search_docs.note_id)"
        )
    )


async def rebuild_search_index(engine: AsyncEngine, glossary: Glossary) -> int:
    """`paperbot search --reindex`: rebuild in one transaction and record the glossary."""
    async with engine.begin() as connection:
        return await connection.run_sync(rebuild_index, glossary)


async def index_glossary_version(engine: AsyncEngine) -> str | None:
    """The glossary version recorded by the last (re)build, None for an index never written."""
    async with engine.connect() as connection:
        found = await connection.scalar(
            select(SearchIndexInfoRow.value).where(SearchIndexInfoRow.name == GLOSSARY_VERSION)
        )
    return None if found is None else str(found)


async def stale_glossary_message(engine: AsyncEngine, glossary: Glossary) -> str | None:
    """What to tell a person searching an index built with another glossary, else None."""
    built = await index_glossary_version(engine)
    if built is None or built == glossary.index_version:
        return None
    return (
        f"the search index was built with another glossary (version {built}, this one is "
        f"{glossary.index_version}): results may miss synonyms; run `paperbot search --reindex`"
    )
