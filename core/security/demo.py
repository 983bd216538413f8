"""Demo users, one per seeded role, all with the same published demo password."""

from __future__ import annotations

from core.security import services

DEMO_PASSWORD = "demo-password-2026"

DEMO_USERS = (
    ("admin@example.org", "Alex Admin", "administrator"),
    ("caseworker@example.org", "Priya Shah", "caseworker"),
    ("manager@example.org", "Tom Hughes", "section_manager"),
    ("finance@example.org", "Grace Okafor", "finance_officer"),
    ("viewer@example.org", "Sam Reid", "read_only"),
)


def load_demo_users() -> None:
    """Create the demo users that are missing."""
    services.sync_roles()
    for email, name, role in DEMO_USERS:
        if services.get_user_by_email(email) is None:
            services.create_user(email, name, password=DEMO_PASSWORD, role_codes=(role,))
