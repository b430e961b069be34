"""The HTTP connector's mapping file: endpoints, auth, payload templates, response classes.

Loaded once when the connector is built, and refused with one line naming the file and the
key when anything is wrong: an unknown (misspelt) key, a missing command, a template that
does not compile or that names a field the command lacks (docs/erp.md, "The mapping file").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ordex.adapters.erp_http.templates import Template, TemplateError, compile_tree
from ordex.domain.errors import ConfigurationError

STATUS = re.compile(r"^[1-5](xx|[0-9]{2})$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Strict(BaseModel):
    """Every mapping section: unknown keys are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _statuses(value: list[Any]) -> list[str]:
    """Status codes (201) or classes ("2xx"), as strings."""
    out = []
    for v in value:
        text = str(v).lower()
        if isinstance(v, bool) or not STATUS.match(text):
            raise ValueError(f"{v!r} is not an HTTP status (201) or class (\"2xx\")")
        out.append(text)
    return out


class Responses(Strict):
    """Which answers mean what; any status in none of the lists is a permanent failure."""

    success: list[str] = Field(default_factory=lambda: ["2xx"])
    already_applied: list[str] = Field(default_factory=lambda: ["409"])
    """The ERP had applied this idempotency key before: delivered."""
    retry: list[str] = Field(default_factory=lambda: ["408", "425", "429", "5xx"])
    """Transient: tried again after the backoff (timeouts and lost connections are too)."""

    @field_validator("success", "already_applied", "retry", mode="before")
    @classmethod
    def statuses(cls, value: object) -> list[str]:
        """A list of codes or classes (one alone is a list of one)."""
        return _statuses(value if isinstance(value, list) else [value])

    def classify(self, status: int) -> Literal["success", "retry", "permanent"]:
        """What an answer with this status means."""
        code = str(status)
        def hit(codes: list[str]) -> bool:
            return code in codes or f"{code[0]}xx" in codes
        if hit(self.success) or hit(self.already_applied):
            return "success"
        return "retry" if hit(self.retry) else "permanent"


class NoAuth(Strict):
    type: Literal["none"]


class HeaderAuth(Strict):
    """A static header whose value is read from an environment variable (never the file)."""

    type: Literal["header"]
    header: str = "Authorization"
    value_env: str = Field(pattern=ENV_NAME.pattern)
    prefix: str = ""
    """Put before the value, e.g. "Bearer "."""


class OAuth2Auth(Strict):
    """OAuth2 client credentials; the secret is read from an environment variable."""

    type: Literal["oauth2_client_credentials"]
    token_url: str = Field(pattern=r"^https?://\S+$")
    client_id: str = Field(min_length=1)
    client_secret_env: str = Field(pattern=ENV_NAME.pattern)
    scope: str | None = None
    refresh_margin_seconds: float = Field(30, ge=0)
    """A cached token is renewed this long before it expires."""


Auth = Annotated[NoAuth | HeaderAuth | OAuth2Auth, Field(discriminator="type")]


class Endpoint(Strict):
    """Where one command kind goes and what it sends."""

    method: Literal["POST", "PUT", "PATCH", "DELETE"] = "POST"
    path: str = Field(min_length=1)
    """Appended to base_url; a template (`/orders/{{ command.order_id | urlencode }}/holds`)."""
    payload: Any = None
    """The JSON body: a structure whose strings are templates (None: no body)."""
    headers: dict[str, str] = Field(default_factory=dict)
    responses: Responses | None = None
    """Overrides the file's `responses` for this command."""

    @field_validator("method", mode="before")
    @classmethod
    def upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class Commands(Strict):
    """One endpoint per command kind ordex sends; every kind must be mapped (a kind left out
    is refused when the connector starts, never found out when a command of it is sent)."""

    HoldLines: Endpoint
    ReleaseLines: Endpoint
    CancelOrder: Endpoint
    RevisePromise: Endpoint
    ChangeWarehouse: Endpoint
    SplitLine: Endpoint
    ChangeQuantity: Endpoint
    ChangePrice: Endpoint
    SubstituteItem: Endpoint
    CancelLine: Endpoint
    UpdateShipTo: Endpoint
    ChangeShipVia: Endpoint
    AddNote: Endpoint
    ApplyDecision: Endpoint | None = None
    """Legacy kind: only needed while outbox rows written before it was replaced remain (a
    legacy row with no endpoint is a permanent failure, i.e. a dead letter)."""


class ErpMapping(Strict):
    """A whole mapping file (version 1)."""

    version: Literal[1]
    base_url: str = Field(pattern=r"^https?://\S+$")
    timeout_seconds: float = Field(10, gt=0, le=300)
    """Per request: connect, read, write and pool each."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Static headers on every request (no secrets: use auth)."""
    auth: Auth = Field(default_factory=lambda: NoAuth(type="none"))
    responses: Responses = Field(default_factory=Responses)
    commands: Commands


class CompiledEndpoint:
    """An endpoint with its templates compiled."""

    def __init__(self, endpoint: Endpoint, defaults: Responses) -> None:
        self.method, self.endpoint = endpoint.method, endpoint
        self.path: Template = compile_tree(endpoint.path, where="path")
        self.payload = compile_tree(endpoint.payload, where="payload")
        self.headers = compile_tree(endpoint.headers, where="headers")
        self.responses = endpoint.responses or defaults


class LoadedMapping:
    """A validated mapping file, its templates compiled and tried on sample commands."""

    def __init__(self, mapping: ErpMapping, source: str) -> None:
        self.mapping, self.source = mapping, source
        self.endpoints: dict[str, CompiledEndpoint] = {}
        for kind in Commands.model_fields:
            endpoint = getattr(mapping.commands, kind)
            if endpoint is None:
                continue
            try:
                compiled = CompiledEndpoint(endpoint, mapping.responses)
                _try_on_sample(kind, compiled)
            except TemplateError as exc:
                raise ConfigurationError(f"erp mapping {source}: commands.{kind}.{exc.where}: "
                                         f"{exc.reason}", key=f"commands.{kind}.{exc.where}"
                                         ) from None
            self.endpoints[kind] = compiled


def load_mapping(path: Path | str) -> LoadedMapping:
    """Read, validate and compile a mapping file, or raise ConfigurationError naming each
    wrong key, one line each (unknown keys first)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"erp mapping {path}: cannot be read: {exc.strerror}",
                                 key="ORDEX_ERP_MAPPING_FILE") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"erp mapping {path}: not YAML: {exc}".splitlines()[0],
                                 key="(file)") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"erp mapping {path}: must be a mapping of keys, not "
                                 f"{type(data).__name__}", key="(file)")
    try:
        mapping = ErpMapping.model_validate(data)
    except ValidationError as exc:
        problems = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        keys = [".".join(str(p) for p in _without_union_tag(e["loc"])) or "(file)"
                for e in problems]
        lines = [f"erp mapping {path}: {key}: " + _message(key, e)
                 for key, e in zip(keys, problems, strict=True)]
        raise ConfigurationError("\n".join(lines), key=keys[0], keys=keys) from None
    return LoadedMapping(mapping, str(path))


def _message(key: str, error: Any) -> str:
    """One problem in words; a command kind left out says that every kind needs an endpoint."""
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing" and key.startswith("commands."):
        return (f"{error['msg']}: every command kind needs an endpoint "
                f"({key.split('.', 1)[1]} is not mapped)")
    return str(error["msg"])


def _without_union_tag(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """An error location without the auth union's tag (auth.header.value_env → auth.value_env)."""
    if len(loc) > 1 and loc[0] == "auth" and loc[1] in ("none", "header",
                                                        "oauth2_client_credentials"):
        return (loc[0], *loc[2:])
    return loc


def _try_on_sample(kind: str, endpoint: CompiledEndpoint) -> None:
    """Render the endpoint for a sample command, so a misspelt field fails at load."""
    from ordex.adapters.erp_http.templates import render_tree, sample_context
    context = sample_context(kind)
    render_tree(endpoint.path, context, where="path")
    render_tree(endpoint.payload, context, where="payload")
    render_tree(endpoint.headers, context, where="headers")
