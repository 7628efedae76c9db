"""Proof files: accepted by content (not name), stored outside static/, served to few."""
