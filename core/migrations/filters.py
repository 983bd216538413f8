"""Which database objects a lineage's autogenerate may touch."""

from __future__ import annotations


def include_object_for(lineage):
    """An Alembic include_object filter limiting autogenerate to the lineage's own tables."""

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return lineage.owns(name)
        table = getattr(obj, "table", None)
        return table is None or lineage.owns(table.name)

    return include_object
