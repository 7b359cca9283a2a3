"""Sending what the outbox holds: the sender (claims, posts, Retry-After) and the renderers (an outbox kind to Slack text and blocks)."""
