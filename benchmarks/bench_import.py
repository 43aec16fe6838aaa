"""`engagement import` of a 100 MB CSV: peak memory (target under 300 MB) and time, in a child
process of its own so its peak is the import's; then the same file again (nothing added)."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_MB = 300
MAPPING = {
    "name": "bench",
    "id_column": None,
    "constants": {"platform": "weibo", "account_key": "import:bench", "timezone": "Asia/Shanghai"},
    "columns": {
        "content_type": "kind",
        "text_length": "length",
        "media_count": "media",
        "reads": "reads",
        "likes": "likes",
        "shares": "shares",
        "comments": "comments",
    },
    "posted_at": {"column": "when"},
}
KINDS = ("text", "image", "video", "article")

CHILD = """
import json, resource, sys, time
from pathlib import Path
from scheduling_platform.service.context import ServiceContext
from scheduling_platform.service.intelligence import import_engagement
from scheduling_platform.settings import Settings

home, csv_path, mapping = sys.argv[1:4]
ctx = ServiceContext(Settings(home=home), actor="bench")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
runs = []
for _ in range(2):
    started = time.perf_counter()
    result = import_engagement(ctx, Path(csv_path), Path(mapping))
    runs.append((time.perf_counter() - started, result.rows))
stored = int(ctx.warehouse.query('SELECT count(*) AS n FROM engagement_metrics')["n"].iloc[0])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_mb": before / 1024, "peak_mb": peak / 1024, "runs": runs,
                  "stored": stored}))
"""


def write_file(path: Path, megabytes: int) -> int:
    rng = random.Random(11)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["when", "kind", "length", "media", "reads", "likes", "shares", "comments", "note"]
        )
        while handle.tell() < megabytes * 1024 * 1024:
            for _ in range(10_000):
                day, minute = divmod(rows, 1440)
                writer.writerow(
                    [
                        f"2024-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T"
                        f"{minute // 60:02d}:{minute % 60:02d}:{rows % 60:02d}",
                        KINDS[rows % 4],
                        rng.randrange(1, 2000),
                        rng.randrange(0, 9),
                        rng.randrange(0, 10**6),
                        rng.randrange(0, 10**4),
                        rng.randrange(0, 500),
                        rng.randrange(0, 900),
                        f"post {rows} of the benchmark, text for width",
                    ]
                )
                rows += 1
    return rows


def run(quick: bool = False) -> list[dict[str, object]]:
    megabytes = 10 if quick else 100
    with tempfile.TemporaryDirectory() as folder:
        csv_path, mapping = Path(folder) / "posts.csv", Path(folder) / "mapping.json"
        rows = write_file(csv_path, megabytes)
        mapping.write_text(json.dumps({k: v for k, v in MAPPING.items() if v is not None}))
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(folder) / "home"), str(csv_path), str(mapping)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise RuntimeError(f"the import failed: {child.stderr.strip()[-1500:]}")
        found = json.loads(child.stdout.strip().splitlines()[-1])
    (first_s, first_rows), (second_s, second_rows) = found["runs"]
    return [
        {
            "file_mb": megabytes,
            "rows": rows,
            "imported": first_rows,
            "stored_after_reimport": found["stored"],
            "import_s": first_s,
            "reimport_s": second_s,
            "rss_before_import_mb": round(found["before_mb"]),
            "peak_rss_mb": round(found["peak_mb"]),
            "target_mb": TARGET_MB,
        }
    ]
