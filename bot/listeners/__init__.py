"""Listener modules; each has `register(app, rt)`."""
