"""Attendance: service users of a day-service provider, their half-day programmes in sections, registers and fire registers."""
