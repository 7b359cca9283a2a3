"""Scheduled work: the scheduler, its jobs (stable `pkg.module:function` paths), review cycles and budget checks run from the Slack side."""
