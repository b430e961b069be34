"""The Notifier of a deployment: each notice goes to the channel its target names."""

from __future__ import annotations

from ordex.orchestrate.notify import Notice
from ordex.orchestrate.ports import Notifier
from ordex.orchestrate.work import SendFailure


class ChannelNotifier:
    """mailto: targets by e-mail, http(s):// targets as webhooks."""

    def __init__(self, *, email: Notifier | None, webhook: Notifier | None) -> None:
        self.email, self.webhook = email, webhook

    def send(self, notice: Notice) -> SendFailure | None:
        """Hand the notice to its channel; a channel not configured is a failure kept for a
        person to see (retried: configuring SMTP later delivers it)."""
        scheme = notice.target.partition(":")[0]
        channel = self.email if scheme == "mailto" else (
            self.webhook if scheme in ("http", "https") else None)
        if channel is None:
            what = "e-mail (ORDEX_NOTIFY_SMTP_HOST)" if scheme == "mailto" else scheme
            return SendFailure(f"channel not configured: {what}",
                               permanent=scheme not in ("mailto", "http", "https"))
        return channel.send(notice)
