"""The DuckDB warehouse: table contracts, transactional writes, atomic publishing. No Dagster here."""
