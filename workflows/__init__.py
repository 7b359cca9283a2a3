"""The domain: inventory, figures, reviews, budgets, questions. No Slack imports here."""
