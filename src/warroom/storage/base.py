"""Declarative base and column types shared by every domain's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _SqliteText(sqlite.DATETIME):
    """SQLite's DATETIME column with the conversions left to :class:`UTCDateTime`."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no offset).

    SQLite has no datetime type: the value is stored as text, ``YYYY-MM-DD HH:MM:SS.ffffff``
    in UTC (SQLAlchemy's own format, so text order is time order). It is written with
    ``isoformat`` and read with ``fromisoformat``, both in C; SQLAlchemy's generic
    conversion formats and parses every value in Python, which was a fifth of the cost of
    storing an alert.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(_SqliteText())
        return dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | str | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return sqlite_datetime(value)
        return _utc(value)

    def process_result_value(
        self, value: datetime | str | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_datetime(value: datetime | None) -> str | None:
    """How a :class:`UTCDateTime` is stored on SQLite: ``YYYY-MM-DD HH:MM:SS.ffffff``, UTC."""
    if value is None:
        return None
    return _utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: warroom stores aware UTC datetimes only")
    return value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONType,
        dict[str, str]: JSONType,
        dict[str, float]: JSONType,
        list[Any]: JSONType,
        list[dict[str, Any]]: JSONType,
    }


def utcnow() -> datetime:
    return datetime.now(UTC)
