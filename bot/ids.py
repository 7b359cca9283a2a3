"""Action, callback and block ids: one place, so listeners and views agree."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    REGISTER_OPEN = "initiative.register_open"
    EDIT_OPEN = "initiative.edit_open"
    SHOW = "initiative.show"
    RECORD_OPEN = "figures.record_open"
    REVIEW_REPORT = "review.report_open"
    # the prompt's "Report the other N…": a modal to pick any request past the listed ones
    REVIEW_MORE = "review.report_more"
    REVIEW_SNOOZE_DAY = "review.snooze_day"
    REVIEW_SNOOZE_UNTIL = "review.snooze_until"
    REVIEW_AWAY = "review.away"
    REVIEW_DELEGATE = "review.delegate"
    # one per decision: review.decide.continue, .scale, .fix, .kill
    REVIEW_DECIDE = "review.decide"
    ALERT_ACK = "alert.ack"
    ALERT_SNOOZE = "alert.snooze"
    ALERT_RAISE = "alert.raise"
    ALERT_REVIEW = "alert.review"
    # one per "did you mean" choice: answers.choice.0, .1, .2 (the value: the question)
    ANSWER_CHOICE = "answers.choice"
    # a figure-free card or notice in a channel: "card:<request id>" or "alert:<id>"
    SHOW_FIGURES = "figures.show"


class Callback(StrEnum):
    REGISTER = "initiative.register"
    EDIT = "initiative.edit"
    RECORD_FIGURES = "figures.record"
    REVIEW_REPORT = "review.report"
    REVIEW_PICK = "review.pick"
    REVIEW_DECIDE = "review.decide"
    REVIEW_DELEGATE = "review.delegate"
    REVIEW_AWAY = "review.away"
    REVIEW_SNOOZE = "review.snooze"
    ADMIN_SETTINGS = "admin.settings"
    ALERT_RAISE = "alert.raise_budget"


class Block(StrEnum):
    SPRAWL = "sprawl"
    SPRAWL_ACK = "sprawl_ack"
    DELEGATES = "delegates"
