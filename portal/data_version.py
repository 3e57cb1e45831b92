"""The data version: one row in the database that changes with every write a public page may show.

Public responses are cached and validated (ETag) by this version, so every app instance and
every worker sees a staff change on the very next request: they all read the same row.

One place bumps it: SQLAlchemy session events. A transaction that inserted, changed or deleted
a row of a public-facing table (every table except ``PRIVATE_TABLES``) replaces the token in the
same transaction, just before it commits; a rollback bumps nothing. Bulk statements
(``session.execute(insert(Model), rows)``, ``update(...)``, ``delete(...)``) count too.
A table whose rows never show on a public page (sessions, counters, contact data) opts out by
adding its name to ``PRIVATE_TABLES`` or with ``__table_args__ = {"info": {"public": False}}``
on its model; a missing opt-out only costs a needless refresh, never a stale page.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models.data_version import DataVersion
from .models.types import utcnow

# Tables whose writes never change what a public page shows.
PRIVATE_TABLES = {"user", "report_contact", DataVersion.__tablename__}

_FLAG = "portal_public_change"


@dataclass(frozen=True)
class Version:
    token: str
    changed_at: datetime


_CURRENT = select(DataVersion.token, DataVersion.changed_at).where(DataVersion.id == 1)


def current(session: Session) -> Version | None:
    """The version in force, or None while the database has never been written to."""
    row = session.execute(_CURRENT).first()
    return Version(row.token, row.changed_at) if row else None


_ROW_SQL = f"SELECT token, changed_at FROM {DataVersion.__tablename__} WHERE id = 1"
_last_read: Version | None = None  # tokens are random: one never names two versions or databases


def read(engine) -> Version | None:
    """current() on a connection of the engine's pool, without an ORM session: the cheapest way
    to learn whether anything changed (the response cache's replay path, before Flask). One
    plain statement; its date is converted only when the token is new to this process."""
    global _last_read
    with engine.connect() as connection:
        row = connection.exec_driver_sql(_ROW_SQL).first()
    if row is None:
        return None
    last = _last_read
    if last is not None and last.token == row[0]:
        return last
    column_type = DataVersion.__table__.c.changed_at.type
    convert = column_type.dialect_impl(engine.dialect).result_processor(engine.dialect, None)
    _last_read = Version(row[0], convert(row[1]) if convert else row[1])
    return _last_read


def bump(session: Session) -> None:
    """Replace the token (inside the caller's transaction)."""
    values = {"token": secrets.token_hex(16), "changed_at": utcnow()}
    result = session.execute(update(DataVersion).where(DataVersion.id == 1).values(**values)
                             .execution_options(synchronize_session=False))
    if result.rowcount == 0:  # an emptied database; two writers may get here at once
        dialect = session.get_bind().dialect.name
        make_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
        if make_insert is None:
            session.execute(insert(DataVersion).values(id=1, **values))
        else:
            session.execute(make_insert(DataVersion).values(id=1, **values).on_conflict_do_update(
                index_elements=[DataVersion.id], set_=values))


def _is_public(table) -> bool:
    if table is None or not hasattr(table, "name"):
        return False
    return table.name not in PRIVATE_TABLES and getattr(table, "info", {}).get("public", True)


def _touches_public(session: Session) -> bool:
    """New, deleted or really changed rows of a public table (a value set to itself is no change)."""
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    objects = [*session.new, *session.deleted, *changed]
    return any(_is_public(getattr(obj, "__table__", None)) for obj in objects)


@event.listens_for(Session, "before_flush")
def _note_pending_changes(session, flush_context, instances):
    if _touches_public(session):
        session.info[_FLAG] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state):
    if state.is_insert or state.is_update or state.is_delete:
        if _is_public(getattr(state.statement, "table", None)):
            state.session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session):
    if session.info.pop(_FLAG, False) or _touches_public(session):
        bump(session)
        session.info.pop(_FLAG, None)  # set again by the flush of the bump's own statements


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session):
    session.info.pop(_FLAG, None)
