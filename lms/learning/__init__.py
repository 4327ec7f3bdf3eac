"""Learning: enrolments, progress keyed by slugs, quiz attempts, evaluation, completion."""
