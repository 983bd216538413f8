"""System conditions: things that get in the way of doing the job, recorded on cases and counted for managers."""
