"""Spend questions in plain English: text -> Query (parse) -> Answer (answer).

Deterministic on purpose: answers must be exact and explainable, so there is no hosted
language model here, only a parser whose every wording is in the evaluation set.
"""
