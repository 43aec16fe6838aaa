"""Engagement ingestion, training features, the engagement model and its registry."""
