"""Rows of a warehouse table as CSV text or Parquet bytes, in chunks: exports of any size are
streamed, never held whole."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

Batches = Iterable[tuple[list[str], list[tuple[Any, ...]]]]


def csv_chunks(columns: list[str], batches: Batches) -> Iterator[bytes]:
    """The header, then each batch of rows, as UTF-8 CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for _columns, rows in batches:
        writer.writerows(rows)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


class _Drain(io.RawIOBase):
    """A write-only file whose bytes are taken out after each row group."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        taken, self.parts = b"".join(self.parts), []
        return taken


def _schema(first: pa.Table) -> pa.Schema:
    # A column all NULL in the first batch has no type yet: text holds whatever comes later.
    return pa.schema(
        [pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in first.schema]
    )


def parquet_chunks(columns: list[str], batches: Batches) -> Iterator[bytes]:
    """A Parquet file, one row group a batch, its bytes given as each group is written."""
    sink = _Drain()
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    for _columns, rows in batches:
        table = pa.Table.from_pylist([dict(zip(columns, row, strict=True)) for row in rows])
        if schema is None:
            schema = _schema(table)
            writer = pq.ParquetWriter(sink, schema)
        assert writer is not None
        writer.write_table(table.select(columns).cast(schema, safe=False))
        yield sink.take()
    if writer is None:  # no rows: a file with the columns as text
        writer = pq.ParquetWriter(sink, pa.schema([pa.field(c, pa.string()) for c in columns]))
    writer.close()
    yield sink.take()
