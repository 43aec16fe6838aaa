"""The API fixtures (tests/api/conftest.py), for the secret scans that call the API."""

from tests.api.conftest import api, api_settings, make_api  # noqa: F401
