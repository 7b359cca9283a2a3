"""Web API methods other than views.*: auth, chat, conversations, users, files.

Each handler takes the decoded arguments and returns the success body (the server adds
`ok: true`), or raises ApiError with Slack's error code.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from typing import Any

from bot.offline.emulator.blockkit import (
    MESSAGE_MAX_TEXT,
    slack_messages,
    validate_message_blocks,
)
from bot.offline.emulator.workspace import TEAM_DOMAIN, TEAM_NAME, ApiError, Workspace, public

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def check_message(args: dict[str, Any], *, require_content: bool = True) -> None:
    """Slack's checks on a message body: block format, Block Kit limits, text length."""
    blocks, text = args.get("blocks"), args.get("text")
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if require_content and not text and not blocks and not args.get("attachments"):
        raise ApiError("no_text")
    if isinstance(text, str) and len(text) > MESSAGE_MAX_TEXT:
        raise ApiError("msg_too_long")
    if blocks:
        errors = validate_message_blocks(blocks)
        if errors:
            raise ApiError(
                "invalid_blocks", errors=errors, response_metadata=slack_messages(errors)
            )
    metadata = args.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str)
    ):
        raise ApiError("invalid_metadata_format")


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _flag(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def permalink(channel_id: str, ts: str) -> str:
    return f"https://{TEAM_DOMAIN}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


class WebApi:
    def __init__(self, ws: Workspace, base_url: Callable[[], str]) -> None:
        self.ws = ws
        self._base_url = base_url

    def handlers(self) -> dict[str, Handler]:
        return {
            "auth.test": self.auth_test,
            "chat.postMessage": self.post_message,
            "chat.postEphemeral": self.post_ephemeral,
            "chat.update": self.update,
            "chat.delete": self.delete,
            "chat.getPermalink": self.get_permalink,
            "conversations.open": self.conversations_open,
            "conversations.members": self.conversations_members,
            "conversations.history": self.conversations_history,
            "conversations.replies": self.conversations_replies,
            "users.info": self.users_info,
            "users.lookupByEmail": self.users_lookup_by_email,
            "usergroups.users.list": self.usergroups_users_list,
            "files.getUploadURLExternal": self.get_upload_url,
            "files.completeUploadExternal": self.complete_upload,
        }

    def auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        ws = self.ws
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": ws.users[ws.bot_user_id]["name"],
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    # ---- chat -----------------------------------------------------------------------

    def post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self.ws.resolve_channel(args.get("channel"))
        check_message(args)
        message = self.ws.post(channel_id, args)
        return {"channel": channel_id, "ts": message["ts"], "message": public(message)}

    def post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self.ws.resolve_channel(args.get("channel"))
        user_id = args.get("user")
        if user_id not in self.ws.users or self.ws.users[user_id]["deleted"]:
            raise ApiError("user_not_found")
        # Membership is enforced only where the test listed people: a channel added with
        # no members stands for "everyone may be here".
        people = [m for m in self.ws.channels[channel_id]["members"] if m != self.ws.bot_user_id]
        if people and user_id not in people:
            raise ApiError("user_not_in_channel")
        check_message(args)
        return {"message_ts": self.ws.post_ephemeral(channel_id, user_id, args)["ts"]}

    def update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self.ws.resolve_channel(
            args.get("channel"), allow_user=False, allow_name=False
        )
        message = self.ws.find_message(channel_id, args.get("ts"))
        check_message(args)
        if "text" in args:
            message["text"] = args.get("text") or ""
        # Like Slack: omitted blocks are kept, an empty list removes them.
        for key in ("blocks", "metadata", "attachments"):
            if key in args:
                message[key] = args[key]
        message["edited"] = {"user": self.ws.bot_user_id, "ts": self.ws.next_ts()}
        return {
            "channel": channel_id,
            "ts": message["ts"],
            "text": message["text"],
            "message": public(message),
        }

    def delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self.ws.resolve_channel(
            args.get("channel"), allow_user=False, allow_name=False
        )
        self.ws.delete_message(channel_id, args.get("ts"))
        return {"channel": channel_id, "ts": args.get("ts")}

    def get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self.ws.resolve_channel(
            args.get("channel"), allow_user=False, allow_name=False
        )
        message = self.ws.find_message(channel_id, args.get("message_ts"))
        return {"channel": channel_id, "permalink": permalink(channel_id, message["ts"])}

    # ---- conversations --------------------------------------------------------------

    def conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel_id = self.ws.resolve_channel(
                args["channel"], allow_user=False, allow_name=False
            )
            return {"channel": {"id": channel_id}, "already_open": True}
        users = [u for u in str(args.get("users") or "").split(",") if u]
        users = [u for u in users if u != self.ws.bot_user_id]
        if not users:
            raise ApiError("users_list_not_supplied")
        for user_id in users:
            if self.ws.user(user_id)["deleted"]:
                raise ApiError("user_disabled")
        if len(users) == 1:
            already = "D" + users[0][1:] in self.ws.channels
            return {"channel": {"id": self.ws.dm_channel(users[0])}, "already_open": already}
        return {"channel": {"id": self._mpim(sorted(users))}, "already_open": False}

    def _mpim(self, users: list[str]) -> str:
        name = "mpdm-" + "--".join(users)
        for channel_id, info in self.ws.channels.items():
            if info["name"] == name:
                return channel_id
        channel_id = self.ws.next_id("G")
        self.ws.add_channel(channel_id, name=name, members=[*users, self.ws.bot_user_id])
        return channel_id

    def _channel_id(self, args: dict[str, Any]) -> str:
        return self.ws.resolve_channel(args.get("channel"), allow_user=False, allow_name=False)

    def conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        """Paged as Slack pages it: `limit` (default 100, at most 1,000) per page, and a
        `next_cursor` that is empty on the last page."""
        members = list(self.ws.channels[self._channel_id(args)]["members"])
        start = _int(str(args.get("cursor") or "").removeprefix("off:"), 0)
        limit = max(1, min(_int(args.get("limit"), 100), 1000))
        more = start + limit < len(members)
        return {
            "members": members[start : start + limit],
            "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
        }

    def conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        inclusive = _flag(args.get("inclusive"))
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        # History shows top-level messages only; replies live in conversations.replies.
        top = [
            m
            for m in self.ws.messages[channel_id]
            if m.get("thread_ts", m["ts"]) == m["ts"] or m.get("reply_broadcast")
        ]
        picked = [m for m in reversed(top) if _within(float(m["ts"]), oldest, latest, inclusive)]
        start = _int(str(args.get("cursor") or "").removeprefix("off:"), 0)
        limit = max(1, min(_int(args.get("limit"), 100), 999))
        page = picked[start : start + limit]
        more = start + limit < len(picked)
        return {
            "messages": [public(m) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": f"off:{start + limit}" if more else ""},
        }

    def conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = self._channel_id(args)
        parent = self.ws.find_message(channel_id, args.get("ts"), error="thread_not_found")
        thread = [
            m
            for m in self.ws.messages[channel_id]
            if m is parent or m.get("thread_ts") == parent["ts"]
        ]
        return {
            "messages": [public(m) for m in thread],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    # ---- directory ------------------------------------------------------------------

    def users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user": dict(self.ws.user(args.get("user", "")))}

    def users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        wanted = str(args.get("email") or "").strip().lower()
        for user in self.ws.users.values():
            email = str(user["profile"].get("email") or "").lower()
            # Slack does not find deactivated accounts by email.
            if email and email == wanted and not user["deleted"]:
                return {"user": dict(user)}
        raise ApiError("users_not_found")

    def usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.ws.usergroups.get(args.get("usergroup", ""))
        if group is None:
            raise ApiError("no_such_subteam")
        return {"users": list(group["users"])}

    # ---- files ----------------------------------------------------------------------

    def get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), _int(args.get("length"), -1)
        if not filename or length < 0:
            raise ApiError("invalid_arguments")
        file_id = self.ws.next_id("F")
        self.ws.files[file_id] = {
            "id": file_id,
            "name": filename,
            "length": length,
            "bytes": None,
            "channel": None,
            "title": None,
        }
        return {"upload_url": f"{self._base_url()}upload/{file_id}", "file_id": file_id}

    def complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments")
        # Ids only: Slack answers channel_not_found for a channel *name* here.
        targets = [
            self.ws.resolve_channel(c, allow_user=False, allow_name=False)
            for c in _channel_list(args)
        ]
        files = [self._uploaded(entry) for entry in entries]
        for channel_id in targets:
            refs = [{"id": f["id"], "name": f["name"], "title": f["title"]} for f in files]
            self.ws.post(
                channel_id,
                {
                    "text": args.get("initial_comment") or "",
                    "files": refs,
                    "thread_ts": args.get("thread_ts"),
                },
            )
            for f in files:
                f["channel"] = f["channel"] or channel_id
        return {"files": [self._file_info(f, targets) for f in files]}

    def _uploaded(self, entry: Any) -> dict[str, Any]:
        file = self.ws.files.get(entry.get("id") if isinstance(entry, dict) else None)
        if file is None or file["bytes"] is None:
            raise ApiError("file_not_found")
        file["title"] = entry.get("title") or file["name"]
        return file

    def _file_info(self, file: dict[str, Any], channels: list[str]) -> dict[str, Any]:
        mimetype = mimetypes.guess_type(file["name"])[0] or "application/octet-stream"
        return {
            "id": file["id"],
            "name": file["name"],
            "title": file["title"],
            "mimetype": mimetype,
            "size": len(file["bytes"]),
            "channels": channels,
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{file['id']}",
        }


def _channel_list(args: dict[str, Any]) -> list[str]:
    channels = [args["channel_id"]] if args.get("channel_id") else []
    channels += [c for c in str(args.get("channels") or "").split(",") if c]
    return channels


def _within(ts: float, oldest: float, latest: float, inclusive: bool) -> bool:
    if inclusive:
        return oldest <= ts <= latest
    return oldest < ts < latest
