"""Conflicts found before a post is stored: time overlap, resources, platform limits, duplicates.

One module a concern; `checker.py` runs them all for a post and suggests fixes, and can be
called on its own (the strategies build on it).
"""
