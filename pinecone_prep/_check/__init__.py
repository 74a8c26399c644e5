"""The checker: `api` (check, iter_findings, is_valid) over `scan.Scan`, which orders the phases:
the survey, the rows (`rows.RowScanner`), the rules across files (`crossfile.CrossFile`)."""
