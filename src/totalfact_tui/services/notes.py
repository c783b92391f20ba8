"""Notes (post-its) on invoices, optionally routed to an area."""

from __future__ import annotations

from sqlalchemy import exists, select

from totalfact_tui.db.models import Area, Document, Note, NoteRead
from totalfact_tui.db.session import Database
from totalfact_tui.domain.errors import InvalidValue, NotFound, TotalfactError
from totalfact_tui.services import audit


def add_note(
    database: Database,
    username: str | None,
    document_id: int,
    body: str,
    area_code: str | None = None,
) -> int:
    text = body.strip()
    if not text:
        raise InvalidValue("note.empty")
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        if actor.user_id is None:
            raise TotalfactError("action.needs_user")
        if session.get(Document, document_id) is None:
            raise NotFound("error.not_found", entity="documento", key=str(document_id))
        if area_code is not None and session.get(Area, area_code) is None:
            raise NotFound("error.not_found", entity="área", key=area_code)
        note = Note(document_id=document_id, user_id=actor.user_id, area_code=area_code, body=text)
        session.add(note)
        session.flush()
        session.add(NoteRead(note_id=note.id, user_id=actor.user_id))
        audit.record(
            session,
            actor,
            "note",
            note.id,
            "create",
            after={"document": document_id, "area": area_code},
        )
        return note.id


def mark_read(database: Database, user_id: int, document_id: int) -> None:
    """The user has seen the notes of this invoice (its agenda flag goes away)."""
    with database.write() as session:
        unread = session.scalars(
            select(Note.id).where(
                Note.document_id == document_id,
                ~exists().where(NoteRead.note_id == Note.id, NoteRead.user_id == user_id),
            )
        ).all()
        session.add_all(NoteRead(note_id=note_id, user_id=user_id) for note_id in unread)
