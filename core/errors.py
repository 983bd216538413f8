"""Errors the platform raises on purpose, each with a message a person can act on."""


class StartupError(Exception):
    """The app cannot start; the message is one line naming the module or setting and what to do."""


class RegistryFrozenError(RuntimeError):
    """Something tried to register a contribution after start-up finished."""
