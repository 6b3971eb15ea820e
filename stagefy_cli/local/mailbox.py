"""The local stack's mail catcher: the auth server's e-mails (confirmations, password recovery,
sign-in links) are kept here instead of being sent, as `supabase start` keeps them in its mail
catcher, so `stagefy local mail` can show them and their links.

One JSON object a line in `<dir>/inbox.jsonl`, appended whole (one `write` of an O_APPEND file), so
a reader never sees half a message.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

INBOX = "inbox.jsonl"


class Mailbox:
    def __init__(self, directory: Path):
        self.path = Path(directory) / INBOX

    def deliver(self, *, to: str, subject: str, kind: str, link: str, code: str) -> dict:
        """Keep one message: who it is for, what it says, its link and its one-time code."""
        message = {
            "id": uuid.uuid4().hex[:12],
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "to": to,
            "subject": subject,
            "type": kind,
            "link": link,
            "code": code,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(message) + "\n").encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)
        return message

    def messages(self, to: str | None = None) -> list[dict]:
        """The messages kept (only those to `to`, when given), newest first."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        kept = [json.loads(line) for line in reversed(lines) if line.strip()]
        return [m for m in kept if to is None or m["to"] == to.strip().lower()]
