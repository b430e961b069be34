"""E-mail templates per event type (Jinja2): an autoescaped HTML part and a plain-text part."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from ordex.orchestrate.notify import EventType, Notice

SUBJECTS = {
    EventType.CASE_ASSIGNED: "[ordex] Case {case_id} assigned to you",
    EventType.APPROVAL_WAITING: "[ordex] Approval waiting: case {case_id}",
    EventType.SLA_AT_RISK: "[ordex] SLA at risk: case {case_id}",
    EventType.ORDER_CHANGED: "Your order {order_id} has changed",
}
DIGEST_SUBJECT = "[ordex] {count} {event_type} event(s), {digest} digest"


@dataclass(frozen=True, slots=True)
class Rendered:
    """An e-mail's subject and its two bodies."""

    subject: str
    text: str
    html: str


class Templates:
    """The shipped templates (adapters/notify/templates/), loaded once per process."""

    def __init__(self) -> None:
        loader = PackageLoader("ordex.adapters.notify", "templates")
        # HTML autoescapes every value (a comment or a customer's PO may hold markup);
        # the text part is plain text and is never read as HTML.
        self.html = Environment(loader=loader, autoescape=select_autoescape(["html"]),
                                keep_trailing_newline=True)
        self.text = Environment(loader=loader, autoescape=False, keep_trailing_newline=True)

    def render(self, notice: Notice) -> Rendered:
        """The e-mail of a notice: its event's templates, or the digest's."""
        name = "digest" if notice.digest else notice.event_type
        context: dict[str, Any] = {"events": notice.events, "event_type": notice.event_type,
                                   "digest": notice.digest, "delivery_key": notice.delivery_key,
                                   "period": [p.isoformat() for p in notice.period or ()]}
        return Rendered(self._subject(notice), self.text.get_template(f"{name}.txt")
                        .render(context).strip() + "\n",
                        self.html.get_template(f"{name}.html").render(context))

    def _subject(self, notice: Notice) -> str:
        if notice.digest:
            return DIGEST_SUBJECT.format(count=len(notice.events), event_type=notice.event_type,
                                         digest=notice.digest)
        first = notice.events[0]
        pattern = SUBJECTS.get(EventType(notice.event_type), "[ordex] {event_type}")
        subject = pattern.format(case_id=first.case_id, order_id=first.order_id,
                                 event_type=notice.event_type)
        return " ".join(subject.split())  # no header injection through a stored id
