"""What a policy document makes: the routing policy and the decider over the reference data."""

from __future__ import annotations

from ordex.decide.engine import Decider
from ordex.decide.policy import Policy
from ordex.decide.routing import sla_hours_of
from ordex.decide.rules import PolicyDocument
from ordex.decide.sla import sla_clock_of
from ordex.decide.sourcing import Network
from ordex.domain.reference import ReferenceData


def routing_policy(doc: PolicyDocument) -> Policy:
    """The routing policy (queue, SLA) carrying the document's version."""
    hours = sla_hours_of(doc)
    return Policy(version=doc.version, sla_hours=hours, sla=sla_clock_of(doc, hours),
                  authority=doc.authority.matrix(),
                  assignment={q.value: r.rule() for q, r in doc.assignment.items()})


def decider_for(doc: PolicyDocument, ref: ReferenceData) -> Decider:
    """A decider over the reference data's lanes, substitutes and service terms."""
    network = Network.build(lanes=ref.freight_lanes, substitutes=ref.substitutes,
                            terms=ref.service_terms,
                            warehouses=[w.warehouse_id for w in ref.warehouses])
    return Decider(doc, network)
