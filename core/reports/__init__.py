"""Reports: the machinery every module's reports use (parameters, screen table, PDF and Excel, audited) and core reports."""
