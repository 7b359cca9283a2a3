"""Budgets (per initiative and department) and the alerts they raise."""
