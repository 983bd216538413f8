"""Attendance payments: dated rates per paid half-day, payment runs, BACS files and cash envelopes."""
