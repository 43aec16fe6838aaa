"""Engagement ingestion, training features and the engagement model (issue 5)."""
