"""Background jobs on rq, with every run recorded so administrators can see when a rule last ran."""
