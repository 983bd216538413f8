"""The one Alembic environment every lineage shares."""
