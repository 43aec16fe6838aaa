"""The REST API: a thin interface over the application layer, as the CLI is."""
