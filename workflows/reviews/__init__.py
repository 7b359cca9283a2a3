"""Quarterly continue-or-kill reviews: cycles, review requests, chasing, recommendation rules, the portfolio report."""
