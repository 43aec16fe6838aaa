"""Batches of up to 50 tasks and CSV imports: per-item results, all-or-nothing, the limit,
bad rows with their row numbers, and re-runs that create nothing twice."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduling_platform.cli.main import main
from scheduling_platform.service import batches as service
from scheduling_platform.service.errors import REFUSALS, BatchLimitError
from scheduling_platform.service.tasks import CreateTaskRequest
from tests.conflicts.conftest import T0, cover, with_cover
from tests.samples import D0, D1, D2

MIN = timedelta(minutes=1)


def item(account, content: str, at, **extra) -> CreateTaskRequest:
    extra = with_cover(account, extra)
    return CreateTaskRequest(account_id=account.id, content=content, at=at, **extra)


def test_a_batch_of_51_is_refused_whole_naming_the_limit(ctx, wechat) -> None:
    items = [item(wechat, f"第{i}篇", T0 + i * 10 * MIN) for i in range(51)]
    with pytest.raises(BatchLimitError, match="at most 50 tasks; this one has 51") as caught:
        service.create_batch(ctx, service.BatchRequest(items=items))
    assert isinstance(caught.value, REFUSALS)
    assert ctx.store.list_tasks() == []
    done = service.create_batch(ctx, service.BatchRequest(items=items[:50]))
    assert done.created == 50 and len(ctx.store.list_tasks()) == 50


def test_each_item_has_its_result(ctx, weibo, wechat) -> None:
    existing = ctx.store.create_task(weibo, "已经排好的", T0)
    items = [
        item(wechat, "好的一条", T0),  # 0 created
        item(weibo, "撞车了", T0 + 2 * MIN),  # 1 refused: too close to the existing post
        item(wechat, "", T0 + 30 * MIN),  # 2 refused: empty
        item(wechat, "和第一条太近", T0 + MIN),  # 3 refused: too close to item 0
        item(weibo, "挪一挪", T0 + 2 * MIN, strategy="conflict_avoidance"),  # 4 moved
        CreateTaskRequest(account_id=99, content="x", at=T0),  # 5 refused: no such account
        CreateTaskRequest(account_id=2**64, content="x", at=T0),  # 6: nor past a 64-bit id
    ]
    result = service.create_batch(ctx, service.BatchRequest(items=items))
    statuses = [(i.index, i.status) for i in result.items]
    assert statuses == [
        (0, "created"),
        (1, "refused"),
        (2, "refused"),
        (3, "refused"),
        (4, "created"),
        (5, "refused"),
        (6, "refused"),
    ]
    assert (result.created, result.refused) == (2, 5)
    first = result.items[0]
    assert first.task_id and first.task.content == "好的一条"
    assert [c.other_task_ids for c in result.items[1].conflicts] == [[existing.id]]
    assert "empty" in result.items[2].reasons[0]
    # An item is checked against the items before it, named by their new task ids.
    assert result.items[3].conflicts[0].other_task_ids == [first.task_id]
    assert result.items[3].conflicts[0].fix.at is not None
    moved = result.items[4]
    assert moved.moved_from == T0 + 2 * MIN and moved.task.scheduled_at == T0 + 5 * MIN
    assert "no account with id 99" in result.items[5].reasons[0]
    assert f"no account with id {2**64}" in result.items[6].reasons[0]


def test_all_or_nothing_creates_nothing_when_one_item_is_refused(ctx, wechat) -> None:
    items = [item(wechat, "一", T0), item(wechat, "二", T0 + MIN)]
    result = service.create_batch(ctx, service.BatchRequest(items=items, all_or_nothing=True))
    assert [i.status for i in result.items] == ["not_created", "refused"]
    assert ctx.store.list_tasks() == []


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_csv_with_bad_rows_imports_the_good_ones_and_reports_by_row(
    make_ctx, tmp_path: Path
) -> None:
    ctx = make_ctx(import_chunk_rows=3)  # several chunks, each its own transaction
    ctx.store.add_account("wechat", "oa", "Asia/Shanghai", {})
    ctx.store.add_account("toutiao", "news", "Asia/Shanghai", {})
    base = f"{D0}T"
    rows = [
        {"account": "oa", "content": "早报", "at": base + "08:00", "title": "", "priority": "7"},
        {"account": "oa", "content": "", "at": base + "09:00", "title": "", "priority": ""},
        {"account": "nobody", "content": "x", "at": base + "10:00", "title": "", "priority": ""},
        {"account": "1", "content": "午报", "at": "noon", "title": "", "priority": ""},
        {
            "account": "2",
            "content": "头条",
            "at": base + "12:00",
            "title": "头条新闻标题",
            "priority": "",
        },
        {"account": "2", "content": "没标题", "at": base + "13:00", "title": "", "priority": ""},
        {"account": "1", "content": "冲突", "at": base + "08:03", "title": "", "priority": "x"},
        {"account": "1", "content": "冲突", "at": base + "08:03", "title": "", "priority": ""},
    ]
    # A WeChat article needs a cover: the oa rows carry one each (unique, so no media conflict).
    for row in rows:
        row["media"] = cover() if row["account"] in ("oa", "1") else ""
    path = write_csv(tmp_path / "posts.csv", rows)
    report = service.import_csv(ctx, path)
    by_row = {r.row: r for r in report.results}
    assert (report.rows, report.chunks, report.created, report.refused) == (8, 3, 2, 6)
    assert [r for r, v in by_row.items() if v.status == "created"] == [2, 6]
    assert "missing content" in by_row[3].reasons[0]
    assert "no account 'nobody'" in by_row[4].reasons[0]
    assert "not an ISO 8601" in by_row[5].reasons[0]
    assert "needs a title" in by_row[7].reasons[0]
    assert "priority 'x'" in by_row[8].reasons[0]
    assert [c.rule for c in by_row[9].conflicts] == ["min_gap"]
    assert ctx.store.get_task(by_row[2].task_id).priority == 7

    again = service.import_csv(ctx, path)  # the same file again: nothing twice
    assert (again.created, again.existing) == (0, 2)
    assert {r.row: r.task_id for r in again.results if r.status == "existing"} == {
        2: by_row[2].task_id,
        6: by_row[6].task_id,
    }
    assert len(ctx.store.list_tasks()) == 2


def test_a_csv_without_a_required_column_is_refused(ctx, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", [{"account": "1", "text": "x", "at": f"{D0}"}])
    with pytest.raises(ValueError, match="lacks the column"):
        service.import_csv(ctx, path)


def test_batch_and_import_from_the_command_line(platform_env, tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    run("accounts", "add", "--platform", "wechat", "--name", "oa")
    items = [
        {
            "account_id": 1,
            "content": f"第{i}篇",
            "at": f"{D0}T{8 + i:02d}:00",
            "media": [cover()],
        }
        for i in range(3)
    ]
    items.append({"account_id": 1, "content": "太近", "at": f"{D0}T08:01", "media": [cover()]})
    (tmp_path / "tasks.json").write_text(json.dumps(items), encoding="utf-8")
    result = json.loads(
        run("tasks", "batch", "--file", str(tmp_path / "tasks.json"), "--json").stdout
    )
    assert [i["status"] for i in result["items"]] == ["created"] * 3 + ["refused"]
    too_many = [
        dict(items[0], at=f"{D1 + timedelta(days=i // 20)}T{i % 20:02d}:00") for i in range(51)
    ]
    (tmp_path / "many.json").write_text(json.dumps(too_many), encoding="utf-8")
    refused = run("tasks", "batch", "--file", str(tmp_path / "many.json"), ok=False)
    assert "at most 50 tasks; this one has 51" in refused.output
    path = write_csv(
        tmp_path / "p.csv",
        [{"account": "oa", "content": "导入", "at": f"{D2}T09:00", "media": cover()}],
    )
    assert "1 created" in run("tasks", "import", "--csv", str(path)).output
    assert "1 imported before" in run("tasks", "import", "--csv", str(path)).output
