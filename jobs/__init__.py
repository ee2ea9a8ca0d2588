"""Scheduled work. Jobs are rebuilt from the database at start-up (the JobQueue keeps nothing)."""
