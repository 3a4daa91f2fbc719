"""Raw files to article text: decoding, HTML stripping, header fields. No Dagster here."""
