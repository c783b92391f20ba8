"""Call scripts: a short text per customer segment, set by admins, shown beside the
call form."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import CallScript
from totalfact_tui.db.session import Database, reading
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.services import audit

#: The script for customers without a segment (and segments without their own).
DEFAULT_SEGMENT = "*"
MAX_LENGTH = 2000


@dataclass(frozen=True)
class Script:
    segment: str
    body: str


def set_script(database: Database, username: str | None, segment: str, body: str) -> None:
    name = segment.strip() or DEFAULT_SEGMENT
    text = body.strip()
    if not text:
        raise InvalidValue("script.empty")
    if len(text) > MAX_LENGTH:
        raise InvalidValue("script.too_long", limit=MAX_LENGTH)
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        if actor.role != "admin":
            raise TotalfactError("script.admins_only")
        script = session.get(CallScript, name)
        before = {"body": script.body} if script else None
        if script is None:
            script = CallScript(segment=name, body=text)
            session.add(script)
        script.body = text
        script.updated_at = utcnow()
        script.updated_by_id = actor.user_id
        audit.record(
            session, actor, "call_script", name, "set", before=before, after={"body": text}
        )


def remove_script(database: Database, username: str | None, segment: str) -> None:
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        if actor.role != "admin":
            raise TotalfactError("script.admins_only")
        script = session.get(CallScript, segment)
        if script is None:
            raise NotFound("error.not_found", entity="guion", key=segment)
        audit.record(session, actor, "call_script", segment, "remove", before={"body": script.body})
        session.delete(script)


def script_for(database: Database | Session, segment: str | None) -> Script | None:
    """The segment's script, else the default one, else None."""
    with reading(database) as session:
        for name in (segment, DEFAULT_SEGMENT):
            if name:
                script = session.get(CallScript, name)
                if script is not None:
                    return Script(script.segment, script.body)
    return None


def list_scripts(database: Database) -> list[Script]:
    with database.read() as session:
        return [
            Script(s.segment, s.body)
            for s in session.scalars(select(CallScript).order_by(CallScript.segment))
        ]
