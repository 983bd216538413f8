"""Intentions: things that need to be done by a date, by staff or teams, about cases or people; the "my work" tray."""
