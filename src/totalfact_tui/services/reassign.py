"""Covering for an absent collector (``totalfact reassign``): the agenda items of the
absent one for some days go to others, split evenly by count or by balance. The
receivers see each item marked as covered for the absent collector; actions logged on
them count for whoever logged them. When the days are over (or on undo) the items go
back to their collector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from totalfact_tui.db.models import Absence, Document, Reassignment, ReassignmentItem, User
from totalfact_tui.db.session import Database
from totalfact_tui.db.types import utcnow
from totalfact_tui.domain.errors import InvalidValue, NotFound
from totalfact_tui.services import audit

ROUND_ROBIN, BALANCE = "round-robin", "balance"
SPLITS = (ROUND_ROBIN, BALANCE)


@dataclass
class ReassignSummary:
    id: int | None
    from_user: str
    start: date
    end: date
    split: str
    items: int = 0
    to: dict[str, int] = field(default_factory=dict)
    balance: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def as_json(self) -> dict[str, object]:
        """What ``--json`` prints: ``{"from", "items", "to": {user: n}}`` and more."""
        return {
            "id": self.id,
            "from": self.from_user,
            "items": self.items,
            "to": self.to,
            "balance": self.balance,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "split": self.split,
            "dry_run": self.dry_run,
        }


def split_items(
    items: Sequence[tuple[int, int]], receivers: Sequence[str], how: str
) -> dict[int, str]:
    """Document id -> receiver. ``items`` are (document id, balance) in agenda order.
    Round-robin deals them out in turn; by balance, the largest goes first to whoever
    holds the least so far (ties: the earlier receiver)."""
    if how == ROUND_ROBIN:
        return {doc: receivers[index % len(receivers)] for index, (doc, _b) in enumerate(items)}
    held = dict.fromkeys(receivers, 0)
    chosen = {}
    for doc, balance in sorted(items, key=lambda item: (-item[1], item[0])):
        receiver = min(receivers, key=lambda name: (held[name], receivers.index(name)))
        chosen[doc] = receiver
        held[receiver] += balance
    return chosen


def reassign(
    database: Database,
    from_user: str,
    to_users: Sequence[str],
    start: date,
    end: date,
    *,
    split: str = ROUND_ROBIN,
    acting: str | None = None,
    dry_run: bool = False,
) -> ReassignSummary:
    """Give ``from_user``'s agenda items due by ``end`` to ``to_users`` for [start, end]."""
    if split not in SPLITS:
        raise InvalidValue("error.invalid_value", field="--split", value=split)
    if end < start:
        raise InvalidValue("reassign.reversed")
    receivers = list(dict.fromkeys(name.strip() for name in to_users if name.strip()))
    if not receivers:
        raise InvalidValue("reassign.no_receivers")
    if from_user in receivers:
        raise InvalidValue("reassign.self", username=from_user)
    with database.read() if dry_run else database.write() as session:
        actor = audit.require_admin(session, acting, "reassignment", from_user, "reassign")
        absent = _active_user(session, from_user)
        people = {name: _active_user(session, name) for name in receivers}
        rows = session.execute(
            select(Document.id, Document.balance)
            .where(
                Document.collector_id == absent.id,
                Document.is_open,
                Document.covered_for_id.is_(None),
                Document.next_action_date <= end,
            )
            .order_by(Document.due_date, Document.balance.desc(), Document.id)
        ).all()
        chosen = split_items([(doc, balance) for doc, balance in rows], receivers, split)
        balances = dict(rows)
        summary = ReassignSummary(None, from_user, start, end, split, dry_run=dry_run)
        summary.items = len(chosen)
        for name in receivers:
            mine = [doc for doc, receiver in chosen.items() if receiver == name]
            summary.to[name] = len(mine)
            summary.balance[name] = sum(balances[doc] for doc in mine)
        if dry_run:
            return summary
        record = Reassignment(
            from_user_id=absent.id,
            start_date=start,
            end_date=end,
            split=split,
            created_by_id=actor.user_id,
        )
        session.add(record)
        session.add(
            Absence(user_id=absent.id, start_date=start, end_date=end, created_by_id=actor.user_id)
        )
        session.flush()
        documents = {
            d.id: d for d in session.scalars(select(Document).where(Document.id.in_(chosen)))
        }
        for doc, receiver in chosen.items():
            user = people[receiver]
            session.add(
                ReassignmentItem(reassignment_id=record.id, document_id=doc, to_user_id=user.id)
            )
            documents[doc].collector_id = user.id
            documents[doc].covered_for_id = absent.id
        summary.id = record.id
        audit.record(session, actor, "reassignment", record.id, "create", after=summary.as_json())
        return summary


def undo(database: Database, reassignment_id: int, acting: str | None = None) -> int:
    """Give the items back to the absent collector now. Returns how many went back."""
    with database.write() as session:
        actor = audit.require_admin(session, acting, "reassignment", reassignment_id, "undo")
        record = session.get(Reassignment, reassignment_id)
        if record is None:
            raise NotFound("error.not_found", entity="reasignación", key=str(reassignment_id))
        if record.undone_at is not None:
            raise InvalidValue("reassign.already_undone", id=reassignment_id)
        returned = _give_back(session, record)
        audit.record(session, actor, "reassignment", record.id, "undo", after={"items": returned})
        return returned


def return_ended(session: Session, today: date) -> int:
    """Items of reassignments whose days are over go back (run when an agenda loads)."""
    returned = 0
    ended = session.scalars(
        select(Reassignment).where(Reassignment.end_date < today, Reassignment.undone_at.is_(None))
    ).all()
    for record in ended:
        count = _give_back(session, record)
        audit.record(session, audit.SYSTEM_ACTOR, "reassignment", record.id, "returned",
                     after={"items": count})  # fmt: skip
        returned += count
    return returned


def _give_back(session: Session, record: Reassignment) -> int:
    """Items still with their receiver go back (one reassigned since is left alone)."""
    items = session.execute(
        select(ReassignmentItem.document_id, ReassignmentItem.to_user_id).where(
            ReassignmentItem.reassignment_id == record.id
        )
    ).all()
    returned = 0
    for doc, receiver in items:
        document = session.get(Document, doc)
        if (
            document is not None
            and document.collector_id == receiver
            and document.covered_for_id == record.from_user_id
        ):
            document.collector_id = record.from_user_id
            document.covered_for_id = None
            returned += 1
    record.undone_at = utcnow()
    return returned


def _active_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username, User.active))
    if user is None:
        raise NotFound("error.unknown_user", username=username)
    return user


@dataclass(frozen=True)
class ReassignmentView:
    id: int
    from_user: str
    start: date
    end: date
    split: str
    items: int
    active: bool  # not given back yet


def list_reassignments(database: Database, limit: int = 100) -> list[ReassignmentView]:
    """The newest reassignments first, with how many items each moved."""
    from sqlalchemy import func

    with database.read() as session:
        counts = dict(
            session.execute(
                select(ReassignmentItem.reassignment_id, func.count()).group_by(
                    ReassignmentItem.reassignment_id
                )
            ).all()
        )
        rows = session.execute(
            select(Reassignment, User.username)
            .join(User, User.id == Reassignment.from_user_id)
            .order_by(Reassignment.id.desc())
            .limit(limit)
        ).all()
        return [
            ReassignmentView(
                record.id,
                username,
                record.start_date,
                record.end_date,
                record.split,
                int(counts.get(record.id, 0)),
                record.undone_at is None,
            )
            for record, username in rows
        ]
