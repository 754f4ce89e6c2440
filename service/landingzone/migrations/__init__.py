"""Schema migrations of the service's own tables (Alembic); DBOS migrates its own."""

from landingzone.migrations.runner import (
    VERSION_TABLE,
    Migration,
    SchemaError,
    SchemaState,
    SchemaTooNew,
    UnrecognisedSchema,
    head,
    state,
    upgrade,
)

__all__ = [
    "VERSION_TABLE",
    "Migration",
    "SchemaError",
    "SchemaState",
    "SchemaTooNew",
    "UnrecognisedSchema",
    "head",
    "state",
    "upgrade",
]
