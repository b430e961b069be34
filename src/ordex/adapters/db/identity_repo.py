"""Users and API tokens in the database; token secrets and passwords only as hashes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from ordex.adapters.credentials import hash_password, new_token, token_digest, verify_password
from ordex.adapters.db import tables as t
from ordex.adapters.db.audit_repo import append_audit
from ordex.domain.cases import AuditEntry
from ordex.domain.errors import InvalidUserError, UnknownTokenError, UnknownUserError
from ordex.domain.identity import ApiToken, Skills, User, WorkingHours

U, K = t.users, t.api_tokens
CHANGEABLE = ("name", "email", "roles", "queues", "skills", "time_zone", "working_hours",
              "capacity")


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def user_from_row(row: Any) -> User:
    skills = row["skills"] or {}
    return User(row["user_id"], row["name"], row["email"], tuple(row["roles"]),
                tuple(row["queues"]), Skills(*(tuple(skills.get(k, ())) for k in
                                               ("codes", "segments", "regions"))),
                row["time_zone"], WorkingHours.parse(row["working_hours"]), row["capacity"],
                row["active"])


def _row(user: User) -> dict[str, Any]:
    """The changeable columns of a user."""
    return {"user_id": user.user_id, "name": user.name, "email": user.email.lower(),
            "roles": list(user.roles), "queues": list(user.queues),
            "skills": {k: list(v) for k, v in asdict(user.skills).items()},
            "time_zone": user.time_zone, "working_hours": str(user.working_hours),
            "capacity": user.capacity}


def _token(row: Any) -> ApiToken:
    return ApiToken(row["name"], tuple(row["scopes"]), _aware(row["created_at"]) or
                    datetime.now(UTC), _aware(row["expires_at"]), _aware(row["revoked_at"]),
                    _aware(row["last_used_at"]))


class SqlIdentity:
    """The users and tokens repository; every change is also recorded as an event."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_user(self, user: User, *, password: str | None, now: datetime, by: str) -> None:
        """Store a new user (InvalidUserError when the id or e-mail is taken)."""
        row = {**_row(user), "active": user.active, "created_at": now,
               "password_hash": hash_password(password) if password else None}
        try:
            with self.engine.begin() as conn:
                conn.execute(U.insert(), [row])
                self._event(conn, "UserAdded", now, by=by, user_id=user.user_id,
                            roles=list(user.roles))
        except IntegrityError:
            raise InvalidUserError(f"a user {user.user_id} or with e-mail {user.email} "
                                   "already exists", field="user_id") from None

    def users(self) -> list[User]:
        """Every user, by id."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(U).order_by(U.c.user_id)).mappings()
            return [user_from_row(r) for r in rows]

    def user(self, user_id: str) -> User | None:
        """One user by id."""
        with self.engine.connect() as conn:
            row = conn.execute(select(U).where(U.c.user_id == user_id)).mappings().first()
        return user_from_row(row) if row else None

    def set_active(self, user_id: str, active: bool, *, now: datetime, by: str) -> None:
        """Disable (or enable again) a user; a disabled user's sessions stop working."""
        with self.engine.begin() as conn:
            if not conn.execute(update(U).where(U.c.user_id == user_id)
                                .values(active=active)).rowcount:
                raise UnknownUserError(f"no user {user_id}", field="user_id")
            self._event(conn, "UserEnabled" if active else "UserDisabled", now, by=by,
                        user_id=user_id)

    def change_user(self, user: User, *, now: datetime, by: str) -> list[str]:
        """Replace a user's details (not password, active, created); the fields that changed."""
        row = _row(user)
        with self.engine.begin() as conn:
            before = conn.execute(select(U).where(U.c.user_id == user.user_id)
                                  .with_for_update()).mappings().first()
            if before is None:
                raise UnknownUserError(f"no user {user.user_id}", field="user_id")
            changed = [k for k in CHANGEABLE if before[k] != row[k]]
            if not changed:
                return []
            try:
                conn.execute(update(U).where(U.c.user_id == user.user_id)
                             .values({k: row[k] for k in changed}))
            except IntegrityError:
                raise InvalidUserError(f"another user has the e-mail {user.email}",
                                       field="email") from None
            self._event(conn, "UserChanged", now, by=by, user_id=user.user_id,
                        **{k: row[k] for k in changed},
                        **({"roles_before": before["roles"]} if "roles" in changed else {}))
        return changed

    def signed_in(self, user_id: str, *, now: datetime) -> None:
        """Record a sign-in (audit stream `people`): the last one is shown to administrators."""
        with self.engine.begin() as conn:
            append_audit(conn, [AuditEntry("people", now, user_id[:100], "UserSignedIn", None,
                                           "recorded", f"user_id={user_id}")])

    def last_sign_ins(self) -> dict[str, datetime]:
        """Each user's latest recorded sign-in."""
        a = t.audit_log
        query = (select(a.c.actor, func.max(a.c.at)).where(a.c.case_id == "people",
                                                            a.c.action == "UserSignedIn")
                 .group_by(a.c.actor))
        with self.engine.connect() as conn:
            return {actor: at for actor, at in ((r[0], _aware(r[1])) for r in conn.execute(query))
                    if at is not None}

    def sign_in(self, login: str, password: str) -> User | None:
        """The active user with this id or e-mail and password, else None (constant work)."""
        key = login.strip().lower()
        with self.engine.connect() as conn:
            row = conn.execute(select(U).where((U.c.user_id == key) | (U.c.email == key))
                               ).mappings().first()
        ok = verify_password(password, row["password_hash"] if row else None)
        return user_from_row(row) if row and ok and row["active"] else None

    def create_token(self, name: str, scopes: tuple[str, ...], *, expires_at: datetime | None,
                     now: datetime, by: str) -> str:
        """A new token; its secret is returned once and only its digest is stored."""
        secret = new_token()
        row = {"name": name, "token_hash": token_digest(secret), "scopes": list(scopes),
               "created_at": now, "created_by": by, "expires_at": expires_at}
        try:
            with self.engine.begin() as conn:
                conn.execute(K.insert(), [row])
                self._event(conn, "TokenCreated", now, by=by, name=name, scopes=list(scopes),
                            expires_at=expires_at.isoformat() if expires_at else None)
        except IntegrityError:
            raise InvalidUserError(f"a token named {name} already exists",
                                   field="name") from None
        return secret

    def tokens(self) -> list[ApiToken]:
        """Every token, without secrets, by name."""
        with self.engine.connect() as conn:
            return [_token(r) for r in conn.execute(select(K).order_by(K.c.name)).mappings()]

    def token_for(self, secret: str) -> ApiToken | None:
        """The token whose secret this is (usable or not), else None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(K).where(K.c.token_hash == token_digest(secret))
                               ).mappings().first()
        return _token(row) if row else None

    def revoke_token(self, name: str, *, now: datetime, by: str) -> None:
        """Revoke a token for good."""
        with self.engine.begin() as conn:
            if not conn.execute(update(K).where(K.c.name == name, K.c.revoked_at.is_(None))
                                .values(revoked_at=now)).rowcount:
                raise UnknownTokenError(f"no unrevoked token named {name}", field="name")
            self._event(conn, "TokenRevoked", now, by=by, name=name)

    def token_used(self, name: str, *, now: datetime) -> None:
        """Record that a token was used (the caller throttles how often)."""
        with self.engine.begin() as conn:
            conn.execute(update(K).where(K.c.name == name).values(last_used_at=now))
            append_audit(conn, [AuditEntry("tokens", now, name[:100], "TokenUsed", None,
                                           "recorded", f"name={name}")])

    @staticmethod
    def _event(conn: Any, kind: str, at: datetime, **payload: Any) -> None:
        """The change in the event log and in the audit trail (stream `people` or `tokens`)."""
        conn.execute(t.events.insert(), [{"kind": kind, "at": at, "payload": payload}])
        stream = "tokens" if kind.startswith("Token") else "people"
        detail = ", ".join(f"{k}={v}" for k, v in sorted(payload.items()) if k != "by")
        append_audit(conn, [AuditEntry(stream, at, str(payload.get("by", "ordex"))[:100],
                                       kind[:40], None, "recorded", detail)])
