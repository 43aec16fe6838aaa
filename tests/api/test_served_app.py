"""The app as `scheduling-platform api` serves it: warmed at start, its start-up heap frozen."""

from __future__ import annotations

import gc
import time

import httpx

from scheduling_platform.api.app import create_app
from scheduling_platform.api.server import running_api
from scheduling_platform.intelligence import calendar
from scheduling_platform.settings import Settings


def test_warming_up_loads_the_calendars_and_moves_the_heap_out_of_the_collectors_sight(
    api_settings: Settings,
) -> None:
    gc.unfreeze()
    calendar._published.cache_clear()  # as in a new worker process
    try:
        with running_api(create_app(api_settings, warm_immediate=True)) as url:
            deadline = time.monotonic() + 60
            while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
                time.sleep(0.1)
            # Dagster's definitions are among what start-up built, and are frozen with it.
            assert gc.get_freeze_count() > 100_000
            # The first scheduling decision finds the holiday calendars loaded.
            assert calendar._published.cache_info().currsize == 1
            assert httpx.get(f"{url}/api/v1/system/ready", timeout=30).status_code == 200
    finally:
        gc.unfreeze()
