"""The Dagster shell: every module below is loaded by `load_from_defs_folder`; assets stay thin."""
