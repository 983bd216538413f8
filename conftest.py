"""Root conftest: load the PPP pytest plugin for the core's and every module's tests."""

pytest_plugins = ["core.testing"]
