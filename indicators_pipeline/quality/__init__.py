"""Consistency rules, pandera schemas and the Great Expectations suite. No Dagster here."""
