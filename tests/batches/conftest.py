"""The conflict tests' context and accounts, on SQLite and Postgres."""

from tests.conflicts.conftest import ctx, make_ctx, wechat, weibo  # noqa: F401
