"""Action, callback and block ids: one place, so listeners and views agree."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    REGISTER_OPEN = "initiative.register_open"
    EDIT_OPEN = "initiative.edit_open"
    SHOW = "initiative.show"
    RECORD_OPEN = "figures.record_open"


class Callback(StrEnum):
    REGISTER = "initiative.register"
    EDIT = "initiative.edit"
    RECORD_FIGURES = "figures.record"


class Block(StrEnum):
    SPRAWL = "sprawl"
    SPRAWL_ACK = "sprawl_ack"
    DELEGATES = "delegates"
