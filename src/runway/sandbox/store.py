"""SQLite storage of sandbox documents, natural keys and the references between documents.

One row per document: the Ed-Fi payload as stored (JSON text, without ``id``, ``_etag`` and
``_lastModifiedDate``), its natural key and its position (``seq``, insertion order, which is the stable
paging order). ``refs`` holds which document references which (resources and descriptors) so that a
DELETE of a referenced document can be refused, as ODS does.

A *scope* separates data the way separate ODS databases would: ``""`` for a single ODS, the school year
for year-specific or context-routed layouts.

All methods run on the caller's thread; the app calls them from its event loop only, so writes are
serialised without locks. Every write method commits its own transaction.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    resource TEXT NOT NULL,
    natural_key TEXT NOT NULL,
    body TEXT NOT NULL,
    etag TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    UNIQUE (scope, resource, natural_key)
);
CREATE INDEX IF NOT EXISTS documents_listing ON documents (scope, resource, seq);
CREATE TABLE IF NOT EXISTS refs (
    source_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (source_id, target_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refs_target ON refs (target_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _casefold(value: str | int | float | None) -> str | int | float | None:
    """SQL ``casefold(x)``: Unicode case-insensitive comparison (SQLite's ``lower`` folds ASCII only)."""
    return value.casefold() if isinstance(value, str) else value


@dataclass(frozen=True)
class StoredDocument:
    """A stored document: ``body`` is the JSON text of the payload without the server-managed fields."""

    id: str
    resource: str
    natural_key: str
    body: str
    etag: str
    last_modified: str

    def to_json(self) -> str:
        """The document as an API client sees it: ``id`` first, then the payload, ``_etag``, ``_lastModifiedDate``."""
        inner = self.body[1:-1]
        separator = "," if inner else ""
        return (
            f'{{"id":"{self.id}"{separator}{inner},"_etag":"{self.etag}","_lastModifiedDate":"{self.last_modified}"}}'
        )


Filter = tuple[str, object, bool]
"""(SQLite JSON path such as ``$.studentReference.studentUniqueId``, value, compare case-insensitively)."""


class Store:
    """Documents in one SQLite database (a file, or ``":memory:"``)."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._db.create_function("casefold", 1, _casefold, deterministic=True)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Write the WAL back into the database file and close the connection (safe to call twice)."""
        with contextlib.suppress(sqlite3.ProgrammingError):
            if self.path != ":memory:":
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # --- reads -------------------------------------------------------------------------------------

    def get(self, document_id: str) -> StoredDocument | None:
        """The document with ``id``, in any scope."""
        row = self._db.execute(
            "SELECT id, resource, natural_key, body, etag, last_modified FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        return StoredDocument(*row) if row else None

    def scope_of(self, document_id: str) -> str | None:
        """The scope a document lives in."""
        row = self._db.execute("SELECT scope FROM documents WHERE id = ?", (document_id,)).fetchone()
        return str(row[0]) if row else None

    def find_id(self, scope: str, resource: str, natural_key: str) -> str | None:
        """The id of the document with this natural key, if any."""
        row = self._db.execute(
            "SELECT id FROM documents WHERE scope = ? AND resource = ? AND natural_key = ?",
            (scope, resource, natural_key),
        ).fetchone()
        return str(row[0]) if row else None

    def find(self, scope: str, resource: str, natural_key: str) -> StoredDocument | None:
        """The document with this natural key, if any."""
        row = self._db.execute(
            "SELECT id, resource, natural_key, body, etag, last_modified FROM documents"
            " WHERE scope = ? AND resource = ? AND natural_key = ?",
            (scope, resource, natural_key),
        ).fetchone()
        return StoredDocument(*row) if row else None

    def _where(self, scope: str, resource: str, filters: Sequence[Filter], natural_key: str | None):  # type: ignore[no-untyped-def]
        clauses = ["scope = ?", "resource = ?"]
        args: list[object] = [scope, resource]
        if natural_key is not None:
            clauses.append("natural_key = ?")
            args.append(natural_key)
        for json_path, value, fold_case in filters:
            if fold_case:
                clauses.append("casefold(json_extract(body, ?)) = casefold(?)")
            else:
                clauses.append("json_extract(body, ?) = ?")
            args.extend((json_path, value))
        return " AND ".join(clauses), args

    def query(
        self,
        scope: str,
        resource: str,
        filters: Sequence[Filter] = (),
        *,
        natural_key: str | None = None,
        offset: int = 0,
        limit: int = 25,
    ) -> list[StoredDocument]:
        """A page of matching documents in insertion order."""
        where, args = self._where(scope, resource, filters, natural_key)
        rows = self._db.execute(
            "SELECT id, resource, natural_key, body, etag, last_modified FROM documents"
            f" WHERE {where} ORDER BY seq LIMIT ? OFFSET ?",
            (*args, limit, offset),
        ).fetchall()
        return [StoredDocument(*row) for row in rows]

    def count(
        self, scope: str, resource: str, filters: Sequence[Filter] = (), *, natural_key: str | None = None
    ) -> int:
        """How many documents match."""
        where, args = self._where(scope, resource, filters, natural_key)
        return int(self._db.execute(f"SELECT count(*) FROM documents WHERE {where}", args).fetchone()[0])

    def referencing_resources(self, document_id: str) -> list[str]:
        """Resources (``ed-fi/students``…) of the documents that reference ``document_id``."""
        rows = self._db.execute(
            "SELECT DISTINCT d.resource FROM refs r JOIN documents d ON d.id = r.source_id"
            " WHERE r.target_id = ? ORDER BY d.resource",
            (document_id,),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def iter_scope(self, scope: str, resource: str) -> Iterator[StoredDocument]:
        """Every document of a resource in a scope, in insertion order."""
        cursor = self._db.execute(
            "SELECT id, resource, natural_key, body, etag, last_modified FROM documents"
            " WHERE scope = ? AND resource = ? ORDER BY seq",
            (scope, resource),
        )
        for row in cursor:
            yield StoredDocument(*row)

    # --- writes ------------------------------------------------------------------------------------

    def insert(
        self,
        scope: str,
        document: StoredDocument,
        targets: Iterable[str],
    ) -> None:
        """Add a new document and its outgoing references (one transaction)."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO documents (id, scope, resource, natural_key, body, etag, last_modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    document.id,
                    scope,
                    document.resource,
                    document.natural_key,
                    document.body,
                    document.etag,
                    document.last_modified,
                ),
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO refs (source_id, target_id) VALUES (?, ?)",
                [(document.id, t) for t in targets],
            )

    def replace(self, document: StoredDocument, targets: Iterable[str]) -> None:
        """Replace an existing document's payload and its outgoing references (one transaction)."""
        with self._transaction():
            self._db.execute(
                "UPDATE documents SET body = ?, etag = ?, last_modified = ? WHERE id = ?",
                (document.body, document.etag, document.last_modified, document.id),
            )
            self._db.execute("DELETE FROM refs WHERE source_id = ?", (document.id,))
            self._db.executemany(
                "INSERT OR IGNORE INTO refs (source_id, target_id) VALUES (?, ?)",
                [(document.id, t) for t in targets],
            )

    def delete(self, document_id: str) -> None:
        """Remove a document and its outgoing references."""
        with self._transaction():
            self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            self._db.execute("DELETE FROM refs WHERE source_id = ?", (document_id,))

    def bulk_insert(self, scope: str, documents: Iterable[StoredDocument]) -> int:
        """Insert many reference-free documents (seeding), skipping natural keys already present."""
        rows = [(d.id, scope, d.resource, d.natural_key, d.body, d.etag, d.last_modified) for d in documents]
        with self._transaction():
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO documents (id, scope, resource, natural_key, body, etag, last_modified)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return self._db.total_changes - before

    def clear(self) -> None:
        """Remove every document, reference and marker (a fresh sandbox)."""
        with self._transaction():
            self._db.execute("DELETE FROM documents")
            self._db.execute("DELETE FROM refs")
            self._db.execute("DELETE FROM meta")

    def get_meta(self, key: str) -> str | None:
        """A stored marker value."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a marker value."""
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    class _Tx:
        def __init__(self, db: sqlite3.Connection) -> None:
            self.db = db

        def __enter__(self) -> None:
            self.db.execute("BEGIN IMMEDIATE")

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")

    def _transaction(self) -> Store._Tx:
        return Store._Tx(self._db)
