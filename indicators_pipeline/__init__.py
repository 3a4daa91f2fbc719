"""indicators_pipeline: Vietnamese e-government articles to a DuckDB warehouse of yearly indicators.

The pure core (reference, ingest, extraction, quality, marts, warehouse) has no Dagster imports;
`defs/` wires it to Dagster.
"""
