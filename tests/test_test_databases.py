"""The test databases themselves: a PostgreSQL test database put back after a test (instead of
copied again from its template, tests/pg.py ResettableDatabase) holds exactly the template's rows
and sequences again, and a change it cannot undo makes the fixture copy the template again."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from .pg import ResettableDatabase

# PostgreSQL only: `make test-fast` (SQLite) starts no PostgreSQL server, `make test` runs these.
pytestmark = pytest.mark.slow

SCHEMA = """
CREATE TABLE parent (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE child (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id), note text);
"""


@pytest.fixture
def template(postgres_url):
    """A template database (parents with children, or empty), and a way to copy it."""
    base = make_url(postgres_url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    names = []

    def create(rows: bool) -> tuple[str, callable]:
        name = f"reset_{uuid.uuid4().hex[:10]}"
        names.append(name)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(SCHEMA))
            if rows:
                connection.execute(text("INSERT INTO parent (name) VALUES ('a'), ('b')"))
                connection.execute(text("INSERT INTO child (parent_id, note) VALUES (1, 'x'), (2, 'y')"))
        engine.dispose()
        expected, query = ResettableDatabase.describe(url, snapshot=rows)

        def copy() -> ResettableDatabase:
            copy_name = f"{name}_copy"
            names.append(copy_name)
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"'))
            return ResettableDatabase(base.set(database=copy_name).render_as_string(hide_password=False),
                                      dict(expected), query)

        return url, copy

    yield create
    with admin.connect() as connection:
        for name in reversed(names):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def content(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {table: connection.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
                 for table in ("parent", "child")}
        found["sequences"] = [connection.execute(text(f"SELECT last_value, is_called FROM {table}_id_seq")).one()
                              for table in ("parent", "child")]
    engine.dispose()
    return found


@pytest.mark.parametrize("rows", [True, False], ids=["with rows", "empty"])
def test_what_a_test_wrote_is_undone_and_the_template_rows_are_back(template, rows):
    template_url, copy = template(rows)
    database = copy()
    url = database.engine.url.render_as_string(hide_password=False)
    assert database.reset()  # untouched
    writer = create_engine(url)
    with writer.begin() as connection:
        connection.execute(text("INSERT INTO parent (name) VALUES ('new')"))
        connection.execute(text("INSERT INTO child (parent_id, note) VALUES (currval('parent_id_seq'), 'new')"))
        if rows:
            connection.execute(text("UPDATE parent SET name = 'changed' WHERE id = 1"))
            connection.execute(text("DELETE FROM child WHERE id = 2"))
    writer.dispose()
    assert content(url) != content(template_url)
    assert database.reset()
    assert content(url) == content(template_url)
    # An update alone (same row count) is seen too.
    writer = create_engine(url)
    with writer.begin() as connection:
        connection.execute(text("INSERT INTO parent (id, name) VALUES (100, 'explicit id')"))
        connection.execute(text("UPDATE parent SET name = 'changed' WHERE id = 100"))
    writer.dispose()
    assert database.reset()
    assert content(url) == content(template_url)
    database.close()


def test_a_schema_change_or_an_open_connection_asks_for_a_new_copy(template):
    _template_url, copy = template(True)
    database = copy()
    url = database.engine.url.render_as_string(hide_password=False)
    other = create_engine(url)
    connection = other.connect()
    connection.execute(text("SELECT 1"))
    assert not database.reset()  # somebody is still connected
    connection.close()
    other.dispose()
    with other.begin() as connection:
        connection.execute(text("ALTER TABLE child ADD COLUMN extra int"))
    other.dispose()
    assert not database.reset()
    database.close()
