"""People: the person record every department works with, their names, contacts, identifiers, addresses and relationships."""
