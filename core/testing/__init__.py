"""The pytest plugin module tests use: ``pytest_plugins = ["core.testing"]``.

Fixtures: ``app`` (modules chosen with ``@pytest.mark.modules(...)``), ``db`` (rolled back after each test),
``client``, ``login_as(*permissions)`` (the test client), ``act_as(*permissions)`` (service calls), ``create_user``, ``make_app`` (extra or throwaway modules), ``run_jobs``
(a real rq worker in burst mode, with ``@pytest.mark.redis``), and ``database_url``.
"""

from core.testing.fixtures import *  # noqa: F401,F403  (pytest collects fixtures from the plugin module)
from core.testing.fixtures import pytest_configure  # noqa: F401
