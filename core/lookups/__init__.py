"""Configurable lists (contact detail types, agencies, reasons, ...) that administrators edit without a developer."""
