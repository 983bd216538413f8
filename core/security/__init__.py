"""Security: user accounts, logging in and out, roles made of permissions."""
