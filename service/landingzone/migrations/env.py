"""Alembic's environment: our tables only, our own version table, the caller's transaction.

`landingzone.migrations.upgrade` passes its connection (in a transaction, under the lock).
Alembic's command line connects to LZ_DATABASE_URL (or `-x url=...`), for writing revisions.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from landingzone.landing_zone.tables import engine_for
from landingzone.migrations.runner import context_options

config = context.config


def _url() -> str:
    given = context.get_x_argument(as_dictionary=True).get("url")
    if given:
        return given
    from landingzone.config import Settings

    return Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(connection=connection, **context_options())
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    if config.config_file_name:
        fileConfig(config.config_file_name)
    if context.is_offline_mode():
        dialect = _url().split(":", 1)[0].split("+", 1)[0]
        context.configure(dialect_name=dialect, literal_binds=True, **context_options())
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = engine_for(_url(), pool_size=1)
        with engine.connect() as opened:
            _run(opened)
        engine.dispose()
