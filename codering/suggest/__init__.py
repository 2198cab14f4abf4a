"""Suggestion engine for codering."""
