"""The writer: `api` (write, stage, publish). A write converts its input chunk by chunk
(`inputs`, `sources`, `columns`, `vectors`, `metadata`), judges every row with the checker's
rules and stages the accepted rows in files (`stage`, `files`), then `publish` confirms
duplicates (`dedupe`), writes the quarantine (`quarantine`) and moves the files into place
under the manifest protocol."""
