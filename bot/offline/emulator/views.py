"""views.* methods, trigger ids, and the per-user modal stack.

A trigger id is good once, for 3 seconds: the rule that makes apps call views.open
before any slow work. The stack mirrors what the user sees: views.open starts it,
views.push adds on top (3 deep at most), the user's submit or close pops it.
"""

from __future__ import annotations

import copy
import itertools
import secrets
from collections.abc import Callable
from typing import Any

from bot.offline.emulator.blockkit import slack_messages, validate_view
from bot.offline.emulator.workspace import ApiError, Workspace

TRIGGER_TTL = 3.0
MAX_STACK = 3
APP_ID = "A0AIGOVAPP"

_VIEW_DEFAULTS: dict[str, Any] = {
    "private_metadata": "",
    "callback_id": "",
    "external_id": "",
    "title": None,
    "close": None,
    "submit": None,
    "clear_on_close": False,
    "notify_on_close": False,
}


class Triggers:
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._issued: dict[str, tuple[str, float]] = {}
        self._used: set[str] = set()
        self._seq = itertools.count(1)

    def issue(self, user_id: str) -> str:
        trigger_id = f"{next(self._seq)}.{abs(hash(user_id)) % 10**9}.{secrets.token_hex(16)}"
        self._issued[trigger_id] = (user_id, self._now())
        return trigger_id

    def check(self, trigger_id: Any) -> str:
        """The user a usable trigger belongs to; expired_trigger_id otherwise."""
        issued = self._issued.get(trigger_id) if isinstance(trigger_id, str) else None
        if issued is None or trigger_id in self._used:
            raise ApiError("expired_trigger_id")
        user_id, at = issued
        if self._now() - at > TRIGGER_TTL:
            raise ApiError("expired_trigger_id")
        return user_id

    def use(self, trigger_id: str) -> None:
        self._used.add(trigger_id)

    def expire_all(self) -> None:
        self._issued = {t: (user, float("-inf")) for t, (user, _) in self._issued.items()}


def _invalid(errors: list[str]) -> ApiError:
    # views.* answer invalid_arguments where chat.* says invalid_blocks.
    return ApiError("invalid_arguments", errors=errors, response_metadata=slack_messages(errors))


def check_view(view: Any, expected_type: str) -> None:
    errors = validate_view(view, expected_type=expected_type)
    if errors:
        raise _invalid(errors)


class ViewsApi:
    def __init__(self, ws: Workspace, triggers: Triggers) -> None:
        self.ws = ws
        self.triggers = triggers

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "views.open": self.open,
            "views.push": self.push,
            "views.update": self.update,
            "views.publish": self.publish,
        }

    def make_view(
        self,
        spec: dict[str, Any],
        *,
        view_id: str | None = None,
        root_id: str | None = None,
        previous_id: str | None = None,
    ) -> dict[str, Any]:
        """A stored view as Slack returns it: the app's spec plus Slack's own fields."""
        view_id = view_id or self.ws.next_id("V")
        view = {**copy.deepcopy(_VIEW_DEFAULTS), **copy.deepcopy(spec)}
        # Slack owns these: an app echoing a payload's view back cannot set them.
        view.update(
            {
                "id": view_id,
                "team_id": self.ws.team_id,
                "state": {"values": {}},
                "hash": f"{self.ws.next_ts()}.{secrets.token_hex(4)}",
                "root_view_id": root_id or view_id,
                "previous_view_id": previous_id,
                "app_id": APP_ID,
                "app_installed_team_id": self.ws.team_id,
                "bot_id": self.ws.bot_id,
            }
        )
        self.ws.views[view_id] = view
        return view

    def open(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self.triggers.check(args.get("trigger_id"))
        check_view(args.get("view"), "modal")
        self.triggers.use(args["trigger_id"])
        view = self.make_view(args["view"])
        self.ws.stacks[user_id] = [view["id"]]
        return {"view": view}

    def push(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self.triggers.check(args.get("trigger_id"))
        check_view(args.get("view"), "modal")
        stack = self.ws.stack(user_id)
        if len(stack) >= MAX_STACK:
            raise ApiError("push_limit_reached")
        self.triggers.use(args["trigger_id"])
        return {"view": self.push_view(user_id, args["view"])}

    def push_view(self, user_id: str, spec: dict[str, Any]) -> dict[str, Any]:
        stack = self.ws.stack(user_id)
        root = self.ws.views[stack[0]]["id"] if stack else None
        view = self.make_view(spec, root_id=root, previous_id=stack[-1] if stack else None)
        stack.append(view["id"])
        return view

    def update(self, args: dict[str, Any]) -> dict[str, Any]:
        current = self.ws.find_view(args.get("view_id"), args.get("external_id"))
        # A closed modal is gone for Slack too: updating it is an error, not a no-op.
        if current["type"] == "modal" and self.ws.view_owner(current["id"]) is None:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise ApiError("hash_conflict")
        check_view(args.get("view"), current["type"])
        return {"view": self.replace(current, args["view"])}

    def replace(self, current: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        """Swap a view's content in place: same id, new hash, state kept for kept blocks."""
        block_ids = {b.get("block_id") for b in spec.get("blocks", []) if isinstance(b, dict)}
        values = {k: v for k, v in current["state"]["values"].items() if k in block_ids}
        view = self.make_view(
            spec,
            view_id=current["id"],
            root_id=current["root_view_id"],
            previous_id=current["previous_view_id"],
        )
        view["state"] = {"values": values}
        return view

    def publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = args.get("user_id", "")
        if self.ws.user(user_id)["deleted"]:
            raise ApiError("user_not_found")
        check_view(args.get("view"), "home")
        current = self.ws.views.get(self.ws.homes.get(user_id, ""))
        if current is None:
            view = self.make_view(args["view"])
        else:
            if args.get("hash") and args["hash"] != current["hash"]:
                raise ApiError("hash_conflict")
            view = self.replace(current, args["view"])
        self.ws.homes[user_id] = view["id"]
        return {"view": view}

    # ---- the user's side of the stack -----------------------------------------------

    def close_top(self, user_id: str) -> None:
        stack = self.ws.stack(user_id)
        if stack:
            stack.pop()

    def response_action(self, user_id: str, ack: dict[str, Any]) -> list[str]:
        """Apply a view_submission ack; the problems Slack would refuse it for, if any."""
        action = ack.get("response_action")
        stack = self.ws.stack(user_id)
        if action is None:
            self.close_top(user_id)
        elif action == "clear":
            stack.clear()
        elif action == "errors":
            return self._check_errors(stack, ack.get("errors"))
        elif action in ("update", "push"):
            problems = validate_view(ack.get("view"), expected_type="modal")
            if problems:
                return problems
            if action == "push":
                if len(stack) >= MAX_STACK:
                    return ["push_limit_reached"]
                self.push_view(user_id, ack["view"])
            elif stack:
                self.replace(self.ws.views[stack[-1]], ack["view"])
        else:
            return [f"unknown response_action `{action}`"]
        return []

    def _check_errors(self, stack: list[str], errors: Any) -> list[str]:
        # Slack refuses errors keyed by anything but an input block's block_id.
        if not isinstance(errors, dict) or not errors:
            return ["response_action errors needs a non-empty `errors` object"]
        view = self.ws.views[stack[-1]] if stack else {"blocks": []}
        inputs = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
        return [
            f"errors key `{k}` is not the block_id of an input block"
            for k in errors
            if k not in inputs
        ]
