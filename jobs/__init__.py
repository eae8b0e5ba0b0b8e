"""Rasad jobs: the `rasad` command, the scheduler and run records."""
