"""One Settings class: every configuration key of ordex, validated (docs/configuration.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ordex.domain.errors import ConfigurationError
from ordex.domain.permissions import Role, role_book
from ordex.interpret.registry import option_values
from ordex.interpret.settings import DetectionSettings

DEFAULT_SECRET = "change-me"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    """ordex configuration, read from ORDEX_* environment variables (and a .env file)."""

    model_config = SettingsConfigDict(env_prefix="ORDEX_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = Field("sqlite:///ordex.db",
                              description="sqlite:///FILE or postgresql://USER@HOST/DB")
    secret_key: str = Field(DEFAULT_SECRET, description="Signs session and CSRF cookies; "
                            "`ordex serve` refuses the default or a short one outside demo mode")
    demo: bool = Field(False, description="Demo mode: the default secret is allowed and "
                       "`ordex demo-users` creates one user per role with a known password")
    roles_file: Path | None = Field(None, description="YAML of roles → permissions, queues "
                                    "and value limits (default: the shipped roles, "
                                    "docs/security.md)")
    session_hours: float = Field(8, gt=0, le=24 * 30, description="How long a sign-in lasts")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="Secure flag of the cookies: auto = when the request came over "
        "https")
    credential_cache_seconds: float = Field(10, ge=0, le=300, description="How long a "
                                            "checked token or session user is remembered")
    detectors: list[str] = Field(default_factory=lambda: list(DetectionSettings().enabled))
    price_tolerance_abs: Decimal = Field(Decimal("0.01"), ge=0)
    price_tolerance_pct: Decimal = Field(Decimal("0.5"), ge=0, le=100)
    base_currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    duplicate_po_window_days: int = Field(30, ge=0)
    duplicate_lines_window_hours: int = Field(48, ge=0)
    duplicate_lines_similarity: Decimal = Field(Decimal("0.9"), gt=0, le=1)
    margin_floor_pct: Decimal = Field(Decimal("5"), ge=0)
    past_due_days: int = Field(30, ge=0)
    past_due_min_amount: Decimal = Field(Decimal("0"), ge=0)
    export_restricted_countries: list[str] = Field(
        default_factory=lambda: list(DetectionSettings().export_restricted_countries))
    quantity_anomaly_min_history: int = Field(5, ge=2)
    quantity_anomaly_mad_threshold: Decimal = Field(Decimal("10"), gt=0)
    quantity_anomaly_min_ratio: Decimal = Field(Decimal("4"), ge=1)
    late_risk_slack_days: int = Field(1, ge=0)
    detector_options: dict[str, Any] = Field(
        default_factory=dict, description="Settings plug-in codes declare, as a JSON object "
        "(docs/extending.md); each key must be declared by a registered code")
    batch_size: int = Field(2000, ge=1, description="Orders per database transaction")
    max_body_bytes: int = Field(20 * 1024 * 1024, ge=1024,
                                description="Largest HTTP request body, every route but /edi")
    max_edi_body_bytes: int = Field(256 * 1024 * 1024, ge=1024,
                                    description="Largest EDI interchange file on POST /edi")
    policy_file: Path | None = Field(None, description="Decision policy YAML used when no "
                                     "policy has been activated (default: the shipped "
                                     "policies/default.yaml)")
    worker_batch: int = Field(500, ge=1, description="Work items a worker claims per kind")
    worker_lease_seconds: float = Field(300, gt=0, description="How long a claim holds")
    worker_idle_seconds: float = Field(1.0, gt=0, description="Pause of an idle worker")
    retry_base_seconds: float = Field(5, gt=0, description="First backoff step of failed work")
    retry_cap_seconds: float = Field(1800, gt=0, description="Longest backoff step")
    retry_max_attempts: int = Field(10, ge=1, description="Failures before work fails for good")
    outbox_retry_base_seconds: float = Field(5, gt=0, description="First backoff step of a "
                                             "failed ERP delivery (full jitter)")
    outbox_retry_cap_seconds: float = Field(1800, gt=0, description="Longest delivery backoff")
    outbox_max_attempts: int = Field(10, ge=1, description="Failed deliveries before a "
                                     "message is a dead letter with an INTEGRATION_FAILURE case")
    erp_connector: Literal["sandbox", "http", "tryton"] = Field(
        "sandbox", description="Where ERP commands go: the sandbox table, an HTTP/JSON ERP "
        "(docs/erp.md) or Tryton (docs/erp-tryton.md)")
    erp_mapping_file: Path | None = Field(None, description="The HTTP connector's mapping "
                                          "YAML (docs/erp.md); required with http")
    broker_url: str = Field("nats://127.0.0.1:4222", pattern=r"^(nats|tls)://\S+$",
                            description="NATS server of the broker intake")
    broker_stream: str = Field("ORDEX_ORDERS", pattern=r"^[A-Za-z0-9_-]+$")
    broker_subject: str = Field("ordex.orders.>", pattern=r"^[^\s]+$",
                                description="Subjects the stream captures and ordex reads")
    broker_consumer: str = Field("ordex-intake", pattern=r"^[A-Za-z0-9_-]+$",
                                 description="Durable pull consumer every worker shares")
    broker_ack_wait_seconds: float = Field(30.0, gt=0, le=3600)
    broker_max_ack_pending: int = Field(20_000, ge=1)
    tryton_url: str = Field("http://127.0.0.1:8000", pattern=r"^https?://\S+$",
                            description="Tryton server (its JSON-RPC is URL/DATABASE/rpc/)")
    tryton_database: str = Field("tryton", pattern=r"^[A-Za-z0-9_.-]+$")
    tryton_user: str = Field("admin", min_length=1)
    tryton_password: str = Field("", description="Password of tryton_user")
    tryton_order_prefix: str = Field("TRY-", pattern=r"^[A-Za-z0-9_-]*$",
                                     description="ordex order id = prefix + Tryton sale number")
    tryton_ship_via: str = Field("", max_length=50, description="Ship-via of every Tryton "
                                 "sale (Tryton's sale has no carrier without its carrier "
                                 "module); empty: none, and the carrier detector decides")
    tryton_timeout_seconds: float = Field(30.0, gt=0, le=600)
    notify_smtp_host: str | None = Field(None, description="SMTP server of e-mail notices; "
                                         "unset: e-mail deliveries wait (docs/notifications.md)")
    notify_smtp_port: int = Field(25, ge=1, le=65535)
    notify_smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with "
                                       "STARTTLS (certificate checked) before logging in")
    notify_smtp_user: str | None = Field(None, description="SMTP login; unset: no login")
    notify_smtp_password: str | None = Field(None, description="Password of notify_smtp_user")
    notify_smtp_timeout_seconds: float = Field(30.0, gt=0, le=600)
    notify_from: str = Field("ordex@localhost", pattern=r"^[^@\s]+@[^@\s]+$",
                             description="From address of e-mail notices")
    notify_webhook_secret: str | None = Field(None, description="Signing secret of webhooks "
                                              "whose subscription names no --secret-env")
    notify_webhook_timeout_seconds: float = Field(10.0, gt=0, le=600)
    notify_source: str = Field("/ordex", min_length=1, description="CloudEvents `source` of "
                               "outbound webhooks (a URI-reference naming this deployment)")
    notify_retry_base_seconds: float = Field(10, gt=0, description="First backoff step of a "
                                             "failed notice (full jitter)")
    notify_retry_cap_seconds: float = Field(1800, gt=0, description="Longest notice backoff")
    notify_max_attempts: int = Field(8, ge=1, description="Failed sends before a notice's "
                                     "delivery is failed for good")

    @field_validator("erp_mapping_file", mode="before")
    @classmethod
    def empty_mapping_file_means_none(cls, value: object) -> object:
        """An empty ORDEX_ERP_MAPPING_FILE means none."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("policy_file", "roles_file", mode="before")
    @classmethod
    def empty_policy_file_means_default(cls, value: object) -> object:
        """An empty ORDEX_POLICY_FILE means the shipped default, not the current folder."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("detector_options")
    @classmethod
    def options_are_declared(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Every option is declared by a registered code and has its default's type."""
        try:
            return option_values(value)
        except ConfigurationError as exc:
            raise ValueError(exc.message) from None

    @field_validator("database_url")
    @classmethod
    def url_is_given(cls, value: str) -> str:
        """The database URL may not be empty."""
        if not value.strip():
            raise ValueError("database_url must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def http_connector_has_a_mapping(self) -> Settings:
        """The HTTP connector needs its mapping file; the retry cap is not below its base."""
        if self.erp_connector == "http" and self.erp_mapping_file is None:
            raise ValueError("ORDEX_ERP_MAPPING_FILE must name the mapping file when "
                             "ORDEX_ERP_CONNECTOR is http")
        if self.notify_retry_cap_seconds < self.notify_retry_base_seconds:
            raise ValueError("ORDEX_NOTIFY_RETRY_CAP_SECONDS is shorter than "
                             "ORDEX_NOTIFY_RETRY_BASE_SECONDS")
        if self.outbox_retry_cap_seconds < self.outbox_retry_base_seconds:
            raise ValueError("ORDEX_OUTBOX_RETRY_CAP_SECONDS is shorter than "
                             "ORDEX_OUTBOX_RETRY_BASE_SECONDS")
        return self

    @model_validator(mode="after")
    def no_default_secret_in_production(self) -> Settings:
        """Production refuses the default secret."""
        if self.environment == "production" and self.secret_key == DEFAULT_SECRET:
            raise ValueError("ORDEX_SECRET_KEY must be set in production")
        if self.environment == "production" and self.demo:
            raise ValueError("ORDEX_DEMO may not be true in production (its passwords are known)")
        return self

    def secret_problem(self) -> str | None:
        """Why the secret key may not serve outside demo mode, or None when it may."""
        if self.demo:
            return None
        if not self.secret_key.strip() or self.secret_key == DEFAULT_SECRET:
            return "ORDEX_SECRET_KEY is not set (or is the default): set a random secret of " \
                   f"at least {MIN_SECRET_LENGTH} characters, or run in demo mode (--demo)"
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            return f"ORDEX_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters"
        return None

    def roles(self) -> dict[str, Role]:
        """The role book: the roles file's, else the shipped defaults."""
        if self.roles_file is None:
            return role_book()
        try:
            spec = yaml.safe_load(self.roles_file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"roles file {self.roles_file}: {exc}") from None
        return role_book(spec.get("roles") if isinstance(spec, dict) else spec)

    def detection(self) -> DetectionSettings:
        """The detector thresholds as the interpret stage takes them."""
        return DetectionSettings(
            enabled=tuple(self.detectors), price_tolerance_abs=self.price_tolerance_abs,
            price_tolerance_pct=self.price_tolerance_pct, base_currency=self.base_currency,
            duplicate_po_window_days=self.duplicate_po_window_days,
            duplicate_lines_window_hours=self.duplicate_lines_window_hours,
            duplicate_lines_similarity=self.duplicate_lines_similarity,
            options=dict(self.detector_options), **self._rule_thresholds())

    def _rule_thresholds(self) -> dict[str, object]:
        """Margin, ageing, export, quantity and lateness thresholds."""
        return {"margin_floor_pct": self.margin_floor_pct, "past_due_days": self.past_due_days,
                "past_due_min_amount": self.past_due_min_amount,
                "export_restricted_countries": tuple(
                    c.upper() for c in self.export_restricted_countries),
                "quantity_anomaly_min_history": self.quantity_anomaly_min_history,
                "quantity_anomaly_mad_threshold": self.quantity_anomaly_mad_threshold,
                "quantity_anomaly_min_ratio": self.quantity_anomaly_min_ratio,
                "late_risk_slack_days": self.late_risk_slack_days}
