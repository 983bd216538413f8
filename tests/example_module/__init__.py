"""Notes: short, dated notes that caseworkers keep about the people and places they work with.

This is the module docs/plugins.md builds from zero; the tests load it as a third-party module would be loaded.
"""
