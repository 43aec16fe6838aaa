"""`engagement import` is idempotent and exact: rows keyed by a stable identity, numbers refused
by row and column unless finite, whole, 0 or more and within 64 bits."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from scheduling_platform.intelligence import importer
from scheduling_platform.intelligence.engagement import TABLE, load_engagement
from scheduling_platform.intelligence.importer import import_csv
from scheduling_platform.settings import Settings
from scheduling_platform.store.warehouse import Warehouse
from tests.hardening.conftest import Cli, as_json

HEADER = ["when", "kind", "likes", "shares"]
MAPPING = {
    "name": "brand",
    "constants": {"platform": "weibo", "account_key": "import:brand", "timezone": "UTC"},
    "columns": {"content_type": "kind", "likes": "likes", "shares": "shares"},
    "posted_at": {"column": "when"},
}


def _files(tmp_path: Path, rows: list[list[str]], mapping: dict | None = None) -> list[str]:
    path = tmp_path / f"posts-{len(list(tmp_path.glob('posts-*')))}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    mapping_path = tmp_path / "mapping.json"
    mapping_path.write_text(json.dumps(mapping or MAPPING), encoding="utf-8")
    return ["engagement", "import", "--csv", str(path), "--mapping", str(mapping_path)]


def _stored(settings: Settings) -> list[tuple[str, int, int]]:
    frame = load_engagement(Warehouse(settings.resolved_warehouse_url))
    return sorted(zip(frame["post_key"], frame["likes"], frame["shares"], strict=True))


FIRST = [[f"2024-01-0{d} 09:00", "text", str(10 * d), "1"] for d in range(1, 6)]
SECOND = [[f"2024-02-0{d} 09:00", "image", str(d), "0"] for d in range(1, 4)]


def test_reimporting_changes_nothing_and_another_file_adds(
    cli: Cli, home_env: Settings, tmp_path: Path
) -> None:
    first = _files(tmp_path, FIRST)
    assert as_json(cli(*first, "--json"))["rows"] == 5
    once = _stored(home_env)
    cli(*first)
    assert _stored(home_env) == once  # the same keys, the same values
    cli(*_files(tmp_path, SECOND))
    after = _stored(home_env)
    assert len(after) == 8 and set(once) <= set(after)
    # Grown metrics of the same posts replace theirs; nothing is added.
    grown = [[when, kind, str(int(likes) + 1), shares] for when, kind, likes, shares in FIRST]
    cli(*_files(tmp_path, grown))
    assert len(_stored(home_env)) == 8
    assert sorted(r[1] for r in _stored(home_env))[-1] == 51


def test_a_file_with_the_same_row_twice_keeps_both(cli: Cli, home_env: Settings, tmp_path: Path):
    args = _files(tmp_path, [FIRST[0], FIRST[0]])
    cli(*args)
    cli(*args)
    assert len(_stored(home_env)) == 2


def test_an_id_column_keys_the_rows(cli: Cli, home_env: Settings, tmp_path: Path) -> None:

    mapping = {**MAPPING, "id_column": "when"}
    cli(*_files(tmp_path, FIRST, mapping))
    keys = [k for k, _, _ in _stored(home_env)]
    assert "import:brand:id:2024-01-01 09:00" in keys and len(keys) == 5


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("1e30", "'1e30'"),
        ("1.7", "'1.7'"),
        ("-3", "'-3'"),
        ("inf", "'inf'"),
        ("nan", "'nan'"),
        ("9223372036854775808", "'9223372036854775808'"),
        ("many", "'many'"),
    ],
)
def test_numbers_out_of_range_are_refused_by_row_and_column(
    cli: Cli, home_env: Settings, tmp_path: Path, value: str, shown: str
) -> None:
    rows = [list(r) for r in FIRST]
    rows[2][2] = value
    refused = cli(*_files(tmp_path, rows), ok=False)
    assert f"row 3 (line 4), column 'likes': {shown} is not a whole number" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not Warehouse(home_env.resolved_warehouse_url).has_table(TABLE)


def test_the_import_gives_back_arrow_s_memory_pool(
    cli: Cli, home_env: Settings, tmp_path: Path
) -> None:
    """The import borrows the system allocator for Arrow (its own pool keeps freed pages):
    the process's pool is put back after an import and after a refusal."""
    before = pa.default_memory_pool().backend_name
    cli(*_files(tmp_path, FIRST))
    assert pa.default_memory_pool().backend_name == before
    cli(*_files(tmp_path, [[*FIRST[0][:2], "many", "1"]]), ok=False)
    assert pa.default_memory_pool().backend_name == before != "system"


@pytest.mark.parametrize("merged_rows", [2, 1 << 18])
def test_keys_do_not_depend_on_the_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merged_rows: int
) -> None:
    """A row repeated within and across chunks is numbered by its occurrence in the file,
    whatever the chunk size, however the earlier chunks' hashes are merged, and on a second
    reading that remembers only the repeated hashes."""
    monkeypatch.setattr(importer, "MERGED_ROWS", merged_rows)
    rows = [FIRST[i % 3] for i in range(11)] + [FIRST[4]]
    args = _files(tmp_path, rows)
    csv_path, mapping_path = Path(args[3]), Path(args[5])
    whole = list(import_csv(csv_path, mapping_path)["post_key"])
    for chunk_rows in (1, 2, 3, 5):
        keys = importer.RowKeys.of(importer.load_mapping(mapping_path))
        for reading in ("first", "again"):
            keys = keys.again() if reading == "again" else keys
            chunks = importer.import_chunks(csv_path, mapping_path, chunk_rows, keys=keys)
            assert [k for chunk in chunks for k in chunk["post_key"]] == whole, reading
    assert len(set(whole)) == 12
    first = whole[0]
    assert [k for k in whole if k.startswith(first)] == [
        first,
        f"{first}-1",
        f"{first}-2",
        f"{first}-3",
    ]
