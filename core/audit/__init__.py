"""The audit trail: an append-only record of who saw, changed, exported or broke glass on which record, and when."""
