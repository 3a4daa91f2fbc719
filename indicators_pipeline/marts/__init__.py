"""Dimensions, yearly facts and rollups from the mentions. Pure pandas, no Dagster here."""
