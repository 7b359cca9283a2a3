"""Figures: the figures engine, cost and outcome writes, CSV and FOCUS imports, mapping rules, entered figures, exports."""
