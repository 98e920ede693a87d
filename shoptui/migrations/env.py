"""Alembic environment: runs on the connection shoptui hands it (or opens one from the URL)."""

from __future__ import annotations

import warnings
from typing import Any

from alembic import context
from sqlalchemy import Column, Connection, create_engine
from sqlalchemy.exc import SAWarning
from sqlmodel import SQLModel

from shoptui.models import load_all

load_all()  # registers every table on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


_HAND_MADE_INDEXES = {"ix_product_search_trgm", "ix_product_search_chars"}  # GIN over product_search (0002, 0013)
"""Indexes the migrations create in SQL of their own, which the models do not declare."""

_EXPRESSION_INDEXES = {index.name for table in target_metadata.tables.values() for index in table.indexes
                       if any(not isinstance(e, Column) for e in index.expressions)}
"""Indexes on expressions (the A-Z ``lower(title)``): no engine reflects them in a form autogenerate can
compare with the model, so it would drop and recreate them every time; the migrations keep them."""


# Batch migrations on SQLite reflect the tables they alter and those their foreign keys name; SQLAlchemy
# cannot reflect an index on an expression and warns, on the user's terminal, on every new store. Adding a
# column does not rebuild a table, so those indexes stay; tests/services/test_schema_drift.py proves every
# one of them is in a migrated store.
warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index",
                        category=SAWarning)


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate leaves alone what migrations create by hand (FTS5 search tables and their shadows,
    the trigram index) and the expression indexes it cannot compare."""
    if type_ == "table":
        return not (reflected and compare_to is None and ("_fts" in (name or "") or "_grams" in (name or "")))
    if type_ == "index":
        return name not in _EXPRESSION_INDEXES and not (reflected and name in _HAND_MADE_INDEXES)
    return True


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("Alembic has no store to migrate: run it through 'shoptui db upgrade', "
                           "or set sqlalchemy.url in the Alembic config.")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()  # its pooled connection closed now, not whenever the collector finds it


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
