"""E-mail notices through SMTP, with the standard library's smtplib and email packages."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ordex.adapters.notify.templates import Templates
from ordex.orchestrate.notify import Notice
from ordex.orchestrate.work import SendFailure

OUR_SETUP = frozenset({530, 534, 535, 538})
"""5xx replies about ordex's own setup (STARTTLS or authentication required, credentials
refused): retried, since every notice would fail alike until the configuration is fixed."""


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send (ORDEX_NOTIFY_SMTP_* in docs/configuration.md)."""

    host: str
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    sender: str = "ordex@localhost"
    timeout: float = 30.0


class SmtpNotifier:
    """Sends a notice as one multipart (text + HTML) message per delivery."""

    def __init__(self, config: SmtpConfig, templates: Templates | None = None) -> None:
        self.config, self.templates = config, templates or Templates()
        self._smtp: smtplib.SMTP | None = None

    def message(self, notice: Notice) -> EmailMessage:
        """The message a notice becomes; its Message-ID carries the delivery key."""
        rendered = self.templates.render(notice)
        msg = EmailMessage()
        msg["From"], msg["To"] = self.config.sender, notice.target.removeprefix("mailto:")
        msg["Subject"] = rendered.subject
        msg["Date"] = format_datetime(notice.period[1] if notice.period else notice.events[0].at)
        domain = self.config.sender.rpartition("@")[2] or "ordex"
        msg["Message-ID"] = make_msgid(idstring=_safe(notice.delivery_key), domain=domain)
        msg["X-Ordex-Delivery-Key"] = notice.delivery_key
        msg["X-Ordex-Event"] = notice.event_type
        msg.set_content(rendered.text)
        msg.add_alternative(rendered.html, subtype="html")
        return msg

    def send(self, notice: Notice) -> SendFailure | None:
        """Send it; a refused recipient is permanent, a 4xx or a lost connection is not.

        The connection stays open for the next notice (a round sends many); one the server
        closed meanwhile is opened again once (a resend keeps its Message-ID).
        """
        msg = self.message(notice)
        try:
            try:
                self._open().send_message(msg)
            except smtplib.SMTPServerDisconnected:  # idle too long: the server hung up
                self.close()
                self._open().send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            return SendFailure(f"recipient refused: {exc.recipients}",
                               permanent=all(500 <= c < 600 for c in codes))
        except smtplib.SMTPResponseException as exc:
            self.close()
            return SendFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                               permanent=500 <= exc.smtp_code < 600
                               and exc.smtp_code not in OUR_SETUP)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return SendFailure(f"{type(exc).__name__}: {exc}")
        return None

    def _open(self) -> smtplib.SMTP:
        """The open connection, or a new one: STARTTLS and login as configured."""
        if self._smtp is not None:
            return self._smtp
        cfg = self.config
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
        try:
            if cfg.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if cfg.user:
                smtp.login(cfg.user, cfg.password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        """Say QUIT and drop the connection (the next send opens a new one)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _safe(key: str) -> str:
    """The delivery key as a Message-ID's left part (no @, <, > or spaces)."""
    return "".join(ch if ch.isalnum() or ch in ".-_" else "." for ch in key)

