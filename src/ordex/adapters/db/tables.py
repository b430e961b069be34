"""Database tables (SQLAlchemy Core). The domain never sees these; repositories translate."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
})

MONEY = Numeric(18, 6, asdecimal=True)
QTY = Numeric(18, 6, asdecimal=True)
TS = DateTime(timezone=True)

customers = Table(
    "customers", metadata,
    Column("customer_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(20), nullable=False),
    Column("credit_limit", MONEY, nullable=False),
    Column("region", String(50), nullable=False, default=""),
    Column("payment_terms_days", Integer, nullable=False, default=30),
    Column("default_ship_via", String(50), nullable=False, default=""),
    Column("freight_terms_required", Boolean, nullable=False, default=False),
    Column("tax_exempt", Boolean, nullable=False, default=False),
)
ship_tos = Table(
    "ship_tos", metadata,
    Column("customer_id", String(100), primary_key=True),
    Column("ship_to_id", String(100), primary_key=True),
    Column("name", String(200)), Column("line1", String(200)), Column("line2", String(200)),
    Column("city", String(200)), Column("state", String(50)), Column("postal_code", String(20)),
    Column("country", String(2)),
)
items = Table(
    "items", metadata,
    Column("item_id", String(100), primary_key=True),
    Column("description", String(300), nullable=False),
    Column("base_uom", String(10), nullable=False),
    Column("list_price", MONEY, nullable=False),
    Column("unit_cost", MONEY, nullable=False),
    Column("status", String(20), nullable=False),
    Column("weight", QTY, nullable=False, default=0),
    Column("licence_type", String(50), nullable=False, default=""),
    Column("hazmat_class", String(20), nullable=False, default=""),
    Column("export_restricted", Boolean, nullable=False, default=False),
    Column("successor_id", String(100), nullable=False, default=""),
    Column("gtin", String(14), nullable=False, default="", index=True),  # migration 0005
    Column("mfr_part", String(100), nullable=False, default="", index=True),
)
uom_conversions = Table(
    "uom_conversions", metadata,
    Column("item_id", String(100), primary_key=True),
    Column("uom", String(10), primary_key=True),
    Column("base_qty", QTY, nullable=False),
)
warehouses = Table(
    "warehouses", metadata,
    Column("warehouse_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("state", String(50), nullable=False),
    Column("postal_code", String(20), nullable=False),
    Column("lead_time_days", Integer, nullable=False, default=0),
)
inventory = Table(
    "inventory", metadata,
    Column("item_id", String(100), primary_key=True),
    Column("warehouse_id", String(100), primary_key=True),
    Column("on_hand", QTY, nullable=False),
    Column("allocated", QTY, nullable=False),
    Column("safety_stock", QTY, nullable=False),
)
inbound_pos = Table(
    "inbound_pos", metadata,
    Column("po_id", String(100), primary_key=True),
    Column("item_id", String(100), nullable=False),
    Column("warehouse_id", String(100), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("received", Boolean, nullable=False, default=False),
    Index("ix_inbound_position", "item_id", "warehouse_id"),
)
price_contracts = Table(
    "price_contracts", metadata,
    Column("contract_id", String(100), primary_key=True),
    Column("customer_id", String(100), nullable=False),
    Column("item_id", String(100), nullable=False),
    Column("uom", String(10), nullable=False),
    Column("min_qty", QTY, nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Index("ix_contract_customer_item", "customer_id", "item_id"),
)
carriers = Table(
    "carriers", metadata,
    Column("carrier_id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("services", String(500), nullable=False, default=""),
)
receivables = Table(
    "receivables", metadata,
    Column("invoice_id", String(100), primary_key=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("amount_open", MONEY, nullable=False),
    Column("due_date", Date, nullable=False),
)
payments = Table(
    "payments", metadata,
    Column("payment_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("amount", MONEY, nullable=False),
    Column("posted_at", TS, nullable=False),
)
raw_payloads = Table(
    "raw_payloads", metadata,
    Column("raw_id", String(64), primary_key=True),
    Column("source", String(500), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("received_at", TS, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("body", LargeBinary, nullable=False),
    Column("size", BigInteger),
    Column("chunks", Integer, nullable=False, server_default="0"),
    # a stored file's processing (migration 0009): `received` until the unit of work that
    # finishes it commits `processed`; payloads stored with their orders are processed at once
    Column("state", String(20), nullable=False, server_default="processed"),
    Column("progress_at", TS),
    Column("profile", JSON),
    Index("ix_raw_payloads_unprocessed", "state",
          sqlite_where=text("state <> 'processed'"),
          postgresql_where=text("state <> 'processed'")),
)
raw_chunks = Table(
    "raw_chunks", metadata,
    Column("raw_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)
trading_partners = Table(
    "trading_partners", metadata,
    Column("partner_id", String(100), primary_key=True),
    Column("isa_qualifier", String(2), nullable=False),
    Column("isa_id", String(15), nullable=False),
    Column("customer_id", String(100), nullable=False),
    Column("warehouse_id", String(100), nullable=False),
    Column("lead_days", Integer, nullable=False, server_default="0"),
    Column("strict_totals", Boolean, nullable=False, server_default=false()),
    # BAK01 of an 855 change (migration 0024): docs/edi-x12.md, "855 change"
    Column("change_purpose", String(2), nullable=False, server_default="04"),
)
edi_interchanges = Table(
    "edi_interchanges", metadata,
    Column("sender", String(20), primary_key=True),
    Column("control_number", String(20), primary_key=True),
    Column("raw_id", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_at", TS, nullable=False),
)
edi_outbound = Table(
    "edi_outbound", metadata,
    Column("doc_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),
    Column("partner", String(40), nullable=False),
    Column("order_id", String(100), index=True),
    Column("raw_id", String(64), index=True),
    Column("created_at", TS, nullable=False),
    Column("body", Text, nullable=False),
    # written exactly once (migration 0009): the natural key, and the ISA13 it was sent under
    Column("doc_key", String(200), unique=True),
    Column("control_number", BigInteger),
)
edi_counters = Table(
    "edi_counters", metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
"""Counters handed out inside a unit of work (outbound ISA13/GS06 control numbers)."""
orders = Table(
    "orders", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("customer_id", String(100), nullable=False),
    Column("customer_po", String(100), nullable=False),
    Column("po_key", String(100)),
    Column("channel", String(20), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("requested_ship_date", Date, nullable=False),
    Column("ship_to", JSON, nullable=False),
    Column("ship_to_code", String(100)),
    Column("ship_via", String(50)),
    Column("freight_terms", String(30)),
    Column("warehouse_id", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_value", MONEY, nullable=False),
    Column("status", String(20), nullable=False),
    Column("raw_id", String(64)),
    Column("received_at", TS, nullable=False),
    Index("ix_orders_customer_date", "customer_id", "order_date"),
    Index("ix_orders_customer_po_key", "customer_id", "po_key"),
    Index("ix_orders_customer_received", "customer_id", "received_at"),
    Index("ix_orders_customer_po", "customer_po"),  # migration 0020: searched by PO alone
    Index("ix_orders_received_at", "received_at"),  # migration 0021: orders per day
    Index("ix_orders_warehouse", "warehouse_id", "order_id"),  # migration 0023: work filter
)
order_lines = Table(
    "order_lines", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", String(100), nullable=False),
    Column("quantity", QTY, nullable=False),
    Column("uom", String(10), nullable=False),
    Column("unit_price", MONEY, nullable=False),
    Column("allocated_base_qty", QTY, nullable=False, default=0),
    Column("identifiers", JSON),  # migration 0005: [[qualifier, value], ...] as sent
    Index("ix_order_lines_item", "item_id"),
)
intake_results = Table(
    "intake_results", metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("order_id", String(100), index=True),  # migration 0016: looked up by order id too
    Column("result", JSON, nullable=False),
)
cases = Table(
    "cases", metadata,
    Column("case_id", String(200), primary_key=True),
    Column("code", String(40), nullable=False),
    Column("queue", String(40), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("order_id", String(100), index=True),
    Column("customer_id", String(100)),
    Column("lines", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("value_at_risk", MONEY, nullable=False),
    Column("state", String(20), nullable=False),
    Column("opened_at", TS, nullable=False),
    Column("sla_due_at", TS, nullable=False),
    Column("closed_at", TS),
    Column("resolution", Text),
    Column("assignee", String(100)),
    Column("version", Integer, nullable=False, server_default="0"),
    # SLA clocks (migration 0011): sla_due_at is the resolution due time
    Column("response_due_at", TS),
    Column("sla_calendar", String(60), nullable=False, server_default="round_the_clock"),
    Column("responded_at", TS),
    Column("paused_at", TS),
    Column("paused_seconds", Integer, nullable=False, server_default="0"),
    Index("ix_cases_state_queue", "state", "queue"),
    Index("ix_cases_code_state", "code", "state"),
    Index("ix_cases_customer_code_state", "customer_id", "code", "state"),
    Index("ix_cases_assignee_state", "assignee", "state"),  # migration 0017: assignment loads
    # the dashboards (migration 0021): cases opened and closed in a period
    Index("ix_cases_opened_at_code", "opened_at", "code"),
    Index("ix_cases_state_closed_at", "state", "closed_at"),
    # the KPIs (migration 0022): distinct orders per code, read off the index in order
    Index("ix_cases_code_order_id", "code", "order_id"),
)
ACTIVE_CASES = text("state IN ('open', 'assigned', 'in_progress', 'awaiting_approval', "
                    "'paused')")
"""Active cases (migration 0020): the work pages read only these, most urgent first."""
Index("ix_cases_active_priority", cases.c.priority.desc(), cases.c.sla_due_at,
      cases.c.case_id, sqlite_where=ACTIVE_CASES, postgresql_where=ACTIVE_CASES)
Index("ix_cases_active_queue", cases.c.queue, cases.c.priority.desc(), cases.c.sla_due_at,
      sqlite_where=ACTIVE_CASES, postgresql_where=ACTIVE_CASES)
Index("ix_cases_active_counts", *(cases.c[name] for name in (  # migration 0023: queue counts
    "queue", "state", "code", "customer_id", "opened_at", "sla_due_at", "response_due_at",
    "responded_at", "order_id")), sqlite_where=ACTIVE_CASES, postgresql_where=ACTIVE_CASES)
line_allocations = Table(
    "line_allocations", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", String(100), primary_key=True),
    Column("warehouse_id", String(100), primary_key=True),
    Column("quantity", QTY, nullable=False),
    Index("ix_line_allocations_position", "item_id", "warehouse_id"),
)
audit_log = Table(
    "audit_log", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(200), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("from_state", String(20)),
    Column("to_state", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    # the hash chain (migration 0012): `case_id` is the stream, a case id or a system stream
    Column("seq", Integer, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_audit_log_stream_seq"),
)
audit_heads = Table(
    "audit_heads", metadata,
    Column("stream", String(200), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
outbox = Table(
    "outbox", metadata,
    Column("message_id", String(64), primary_key=True),
    Column("created_at", TS, nullable=False),
    Column("command", String(40), nullable=False),
    Column("order_id", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("sent_at", TS),
    # delivery by workers (migration 0007); issue 12 adds dead-letter states to `state`
    Column("state", String(20), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", TS),
    Column("last_error", Text),
    Column("claimed_by", String(100)),
    Column("lease_until", TS),
    # dead letters and replays (migration 0014, docs/erp.md)
    Column("dead_at", TS),
    Column("replays", Integer, nullable=False, server_default="0"),
    Index("ix_outbox_pending", "sent_at", "created_at"),
    Index("ix_outbox_state_created", "state", "created_at"),
    Index("ix_outbox_order_state", "order_id", "state", "created_at"),
)
erp_sandbox_inbox = Table(
    "erp_sandbox_inbox", metadata,
    Column("message_id", String(64), primary_key=True),
    Column("received_at", TS, nullable=False),
    Column("command", String(40), nullable=False),
    Column("order_id", String(100), nullable=False, index=True),
    Column("payload", JSON, nullable=False),
)
erp_sandbox_orders = Table(
    "erp_sandbox_orders", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("record", JSON, nullable=False),
    # The sandbox ERP's own record of the order, as its commands left it (erp_sandbox.py).
    Column("updated_at", TS, nullable=False),
)
customer_line_states = Table(
    "customer_line_states", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("state", JSON, nullable=False),
    # What the customer was last told about the line (domain/customer_view.py).
    Column("sequence", Integer, nullable=False),
    Column("told_at", TS, nullable=False),
)
events = Table(
    "events", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("at", TS, nullable=False),
    Column("payload", JSON, nullable=False),
)
ground_truth = Table(
    "ground_truth", metadata,
    Column("order_id", String(100), primary_key=True),
    Column("code", String(40), primary_key=True),
)

# -- trade reference data: tax, licences, carrier services, parts, history (migration 0003)
tax_rules = Table(
    "tax_rules", metadata,
    Column("country", String(2), primary_key=True),
    Column("state", String(50), primary_key=True),
    Column("rate", Numeric(9, 6, asdecimal=True), nullable=False),
)
tax_exemptions = Table(
    "tax_exemptions", metadata,
    Column("certificate_id", String(100), primary_key=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("state", String(50), nullable=False, default=""),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
)
customer_licences = Table(
    "customer_licences", metadata,
    Column("licence_id", String(100), primary_key=True),
    Column("customer_id", String(100), nullable=False, index=True),
    Column("licence_type", String(50), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
)
carrier_services = Table(
    "carrier_services", metadata,
    Column("carrier_id", String(100), primary_key=True),
    Column("service", String(50), primary_key=True),
    Column("max_weight", QTY),
    Column("hazmat_allowed", Boolean, nullable=False, default=False),
    Column("states", String(500), nullable=False, default=""),
    Column("cutoff", String(8)),
)
item_cross_references = Table(
    "item_cross_references", metadata,
    Column("customer_id", String(100), primary_key=True),
    Column("qualifier", String(3), primary_key=True, default=""),  # migration 0005
    Column("buyer_part", String(100), primary_key=True),
    Column("item_id", String(100), nullable=False),
)
order_history = Table(
    "order_history", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(100), nullable=False),
    Column("item_id", String(100), nullable=False),
    Column("order_date", Date, nullable=False),
    Column("base_qty", QTY, nullable=False),
    Index("ix_order_history_customer_item", "customer_id", "item_id"),
)

# -- decide: sourcing reference data, policies and decisions (migration 0004) ------------
item_substitutes = Table(
    "item_substitutes", metadata,
    Column("item_id", String(100), primary_key=True),
    Column("substitute_id", String(100), primary_key=True),
    Column("rank", Integer, nullable=False),
)
freight_lanes = Table(
    "freight_lanes", metadata,
    Column("warehouse_id", String(50), primary_key=True),
    Column("region", String(20), primary_key=True),
    Column("cost_per_shipment", MONEY, nullable=False),
    Column("cost_per_unit", MONEY, nullable=False),
    Column("transit_days", Integer, nullable=False),
)
service_terms = Table(
    "service_terms", metadata,
    Column("customer_id", String(100), primary_key=True),
    Column("allows_substitutes", Boolean, nullable=False),
    Column("strategic", Boolean, nullable=False),
    Column("late_penalty_pct_per_day", MONEY, nullable=False),
)
policies = Table(
    "policies", metadata,
    Column("version", String(100), primary_key=True),
    Column("effective_from", TS, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("activated_at", TS, nullable=False),
    Column("activated_by", String(100), nullable=False),
    Column("reason", Text, nullable=False),
)
decisions = Table(
    "decisions", metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(200), nullable=False, index=True),
    Column("order_id", String(100), index=True),
    Column("code", String(40), nullable=False),
    Column("policy_version", String(100), nullable=False),
    Column("score", Integer, nullable=False),
    Column("action", String(40), nullable=False),
    Column("auto_applied", Boolean, nullable=False),
    Column("queue", String(40), nullable=False),
    Column("decided_at", TS, nullable=False),
    Column("decide_ms", Numeric(12, 3), nullable=False),
    Column("detail", JSON, nullable=False),
)

# -- work that workers claim (migration 0007): docs/scaling.md, "Workers and claims" --------
work_items = Table(
    "work_items", metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
           autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(20), nullable=False, server_default="queued"),
    Column("not_before", TS, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(100)),
    Column("lease_until", TS),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    Column("done_at", TS),
    # what the work is about (a timer's case, migration 0011): its timers are found by it
    Column("subject", String(200)),
    UniqueConstraint("kind", "key", name="uq_work_items_kind_key"),
    Index("ix_work_items_claimable", "kind", "state", "not_before", "id"),
    Index("ix_work_items_subject", "kind", "subject"),
)
notifications = Table(
    "notifications", metadata,
    Column("notification_id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
           autoincrement=True),
    Column("recipient", String(100)),
    Column("kind", String(40), nullable=False),
    Column("case_id", String(200), index=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("state", String(20), nullable=False, server_default="pending"),
    Column("order_id", String(100), index=True),
    # The order an `order.changed` row is about (migration 0018; docs/notifications.md).
    Column("customer_id", String(100)),
    Column("dedupe_key", String(200), unique=True),
    # A natural key: a row whose key is stored is never written again.
    # what the notice concerns, for subscriptions (migration 0019): docs/notifications.md
    Column("queue", String(40)),
    Column("routed_at", TS),
    Index("ix_notifications_state_created", "state", "created_at"),
)
subscriptions = Table(
    "subscriptions", metadata,
    Column("subscription_id", String(40), primary_key=True),
    Column("event_type", String(40), nullable=False, index=True),
    Column("queue", String(40)),
    Column("customer_id", String(100)),
    Column("target", String(1000), nullable=False),
    Column("secret_env", String(100)),
    Column("digest", String(10)),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
)
notification_deliveries = Table(
    "notification_deliveries", metadata,
    Column("delivery_key", String(400), primary_key=True),
    Column("notification_id", BigInteger().with_variant(Integer(), "sqlite")),
    Column("digest_key", String(400), index=True),
    Column("event_type", String(40), nullable=False),
    Column("target", String(1000), nullable=False),
    Column("subscription_id", String(40)),
    Column("secret_env", String(100)),
    Column("state", String(20), nullable=False, server_default="pending"),
    Column("due_at", TS, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(100)),
    Column("lease_until", TS),
    Column("last_error", Text),
    Column("created_at", TS, nullable=False),
    Column("sent_at", TS),
    Index("ix_notification_deliveries_due", "state", "due_at"),
)

# -- working a case (migration 0013): docs/casework.md ----------------------------------------
case_comments = Table(
    "case_comments", metadata,
    Column("comment_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(200), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("text", Text, nullable=False),
)
case_attachments = Table(
    "case_attachments", metadata,
    Column("attachment_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(200), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("reference", String(2000), nullable=False),
)
case_overrides = Table(
    "case_overrides", metadata,
    Column("override_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(200), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("code", String(40), nullable=False),
    Column("queue", String(40), nullable=False),
    Column("recommended", String(40)),
    Column("chosen", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_case_overrides_queue_chosen", "queue", "chosen"),
)
approvals = Table(
    "approvals", metadata,
    Column("approval_id", String(240), primary_key=True),
    Column("chain_id", String(230), nullable=False),
    Column("case_id", String(200), nullable=False, index=True),
    Column("level", Integer, nullable=False),
    Column("role", String(50), nullable=False),
    Column("queue", String(50), nullable=False),
    Column("action", String(40), nullable=False),
    Column("params", JSON, nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("requested_by", String(100), nullable=False),
    Column("proposed_by", String(100), nullable=False),
    Column("requested_at", TS, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("reason", Text, nullable=False),
    Column("state", String(20), nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", TS),
    Column("decision_reason", Text),
    Index("ix_approvals_queue_state_due", "queue", "state", "due_at"),
)

# -- where each ERP poller has read up to (migration 0015): docs/erp-tryton.md -------------
connector_cursors = Table(
    "connector_cursors", metadata,
    Column("name", String(200), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", TS, nullable=False),
)

# -- people and systems (migration 0010): docs/security.md ------------------------------
users = Table(
    "users", metadata,
    Column("user_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("roles", JSON, nullable=False),
    Column("queues", JSON, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("working_hours", String(100), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("password_hash", String(300)),
    Column("created_at", TS, nullable=False),
    Column("notify_opt_out", Boolean, nullable=False, server_default=false()),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("name", String(100), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("expires_at", TS),
    Column("revoked_at", TS),
    Column("last_used_at", TS),
)

# -- the reference data's version (migration 0016): docs/scaling.md, "Reference cache" ------
reference_version = Table(
    "reference_version", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("token", String(64), nullable=False),
)
"""One row (id 1) whose token a trigger replaces with a random one on every write to a cached
reference table, in the writing transaction; a process's reference cache is valid while the
token it was filled under is the one a unit of work reads."""

# -- assignment (migration 0017): docs/assignment.md ----------------------------------------
absences = Table(
    "absences", metadata,
    Column("absence_id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", String(64), nullable=False, index=True),
    Column("starts_at", TS, nullable=False),
    Column("ends_at", TS, nullable=False),
    Column("reason", String(500), nullable=False, server_default=""),
    Column("recorded_at", TS, nullable=False),
    Column("recorded_by", String(100), nullable=False),
)

assignment_turns = Table(
    "assignment_turns", metadata,
    Column("queue", String(40), primary_key=True),
    Column("user_id", String(64), nullable=False),
    Column("updated_at", TS, nullable=False),
)
