"""State machines on disk: a SQLite file under `--data-dir`, shared by every worker process.

Stage: runtime. The runtime writes each created, updated, tagged or deleted state machine
here and reads back what other processes (or an earlier run) wrote. WAL mode lets readers
and one writer work at once; every write is a single statement, so locks are held briefly.
"""
from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastsfn.ids import new_uuid
from fastsfn.jsontext import dumps, loads

if TYPE_CHECKING:
    from fastsfn.runtime import StateMachine

FILE_NAME = "fastsfn.sqlite3"
BUSY_TIMEOUT_SECONDS = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS state_machines (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    logging_configuration TEXT NOT NULL,
    tracing_configuration TEXT NOT NULL,
    tags TEXT NOT NULL,
    creation_date REAL NOT NULL,
    update_date REAL,
    revision_id TEXT,
    version TEXT NOT NULL
)"""

_COLUMNS = ("name", "type", "definition", "role_arn", "logging_configuration",
            "tracing_configuration", "tags", "creation_date", "update_date", "revision_id")
_JSON_COLUMNS = ("logging_configuration", "tracing_configuration", "tags")

_PUT = (f"INSERT OR REPLACE INTO state_machines (arn, {', '.join(_COLUMNS)}, version) "
        f"VALUES (?, {', '.join('?' for _ in _COLUMNS)}, ?)")


def _set_up(db: sqlite3.Connection) -> None:
    """WAL mode and the schema. Processes opening a new file at once (server workers) can
    find it locked where SQLite does not wait (switching to WAL): they try again."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.005, 0.05))


class Store:
    """The state machines in `<data_dir>/fastsfn.sqlite3`, and which of them changed."""

    def __init__(self, data_dir: str | Path) -> None:
        directory = Path(data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME
        # Autocommit: each statement is its own short transaction. The connection is used
        # from the server's thread as well as the creator's, one at a time (the lock).
        self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS,
                                   isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            _set_up(self._db)
        self._data_version: int | None = None
        self._known: dict[str, str] = {}   # arn -> version this process has in memory

    def put(self, machine: StateMachine) -> None:
        """Write (insert or replace) a state machine and its tags."""
        values = [getattr(machine, c) for c in _COLUMNS]
        for i, column in enumerate(_COLUMNS):
            if column in _JSON_COLUMNS:
                values[i] = dumps(values[i])
        version = new_uuid()  # unique per write, so a delete and re-create is a change too
        with self._lock:
            self._db.execute(_PUT, (machine.arn, *values, version))
            self._known[machine.arn] = version

    def delete(self, arn: str) -> None:
        """Remove a state machine."""
        with self._lock:
            self._db.execute("DELETE FROM state_machines WHERE arn = ?", (arn,))
            self._known.pop(arn, None)

    def forget(self, arn: str) -> None:
        """Have the next `changes` return this machine again (it could not be taken now)."""
        with self._lock:
            self._known.pop(arn, None)
            self._data_version = None

    def changes(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Rows other connections wrote, and ARNs they deleted, since the last call."""
        with self._lock:
            # data_version moves only when another connection commits: one cheap read.
            (data_version,) = self._db.execute("PRAGMA data_version").fetchone()
            if data_version == self._data_version:
                return [], []
            self._data_version = data_version
            stored = dict(self._db.execute("SELECT arn, version FROM state_machines"))
            deleted = [arn for arn in self._known if arn not in stored]
            for arn in deleted:
                del self._known[arn]
            rows = []
            for arn, version in stored.items():
                if self._known.get(arn) == version:
                    continue
                row = self._db.execute(
                    f"SELECT {', '.join(_COLUMNS)}, version FROM state_machines "
                    "WHERE arn = ?", (arn,)).fetchone()
                if row is None:  # deleted between the two reads
                    continue
                record = dict(zip((*_COLUMNS, "version"), row), arn=arn)
                for column in _JSON_COLUMNS:
                    record[column] = loads(record[column])
                self._known[arn] = record.pop("version")
                rows.append(record)
            return rows, deleted

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
