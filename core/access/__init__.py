"""Who may see what: roles made of permissions, teams, working relationships with people, and break-glass access."""
