"""Database engine, sessions and migrations (Alembic, applied by `intake serve` or `intake db upgrade`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")
_BEGIN_OPTION = "intake_sqlite_begin"


def make_engine(url: str, pool_size: int = 10) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=20)


def _sqlite_folder(url: str) -> None:
    """SQLite creates the database file, not the folder it lives in."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_engine(url: str) -> Engine:
    _sqlite_folder(url)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # Transactions are begun explicitly below, so that writers can take the write lock
        # up front (BEGIN IMMEDIATE) instead of failing to upgrade a stale WAL snapshot.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations up to `revision` on the database at `url`."""
    from alembic import command
    from alembic.config import Config

    _sqlite_folder(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


class Database:
    """One engine and its session factories; `session()` commits on success, rolls back on error.

    `session(write=True)` is for work that writes: on SQLite it takes the write lock when it
    begins, so concurrent writers wait their turn instead of failing.
    """

    def __init__(self, url: str, pool_size: int = 10):
        self.url = url
        self.engine = make_engine(url, pool_size)
        self.local = self.engine.dialect.name == "sqlite"
        """An embedded database (SQLite): a read is a short local call, with no network."""
        writer = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._readers = sessionmaker(self.engine, expire_on_commit=False)
        self._writers = sessionmaker(writer, expire_on_commit=False)

    def new_session(self, write: bool = False) -> Session:
        return (self._writers if write else self._readers)()

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        session = self.new_session(write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
