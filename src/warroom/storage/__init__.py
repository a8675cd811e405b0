"""The database: declarative base, column types, engine and sessions, bulk inserts, migrations."""
