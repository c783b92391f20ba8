"""Own companies: the RUTs whose issued documents are receivables."""

from __future__ import annotations

from sqlalchemy import select

from totalfact_tui.db.models import OwnCompany
from totalfact_tui.db.session import Database
from totalfact_tui.domain import rut
from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.services import audit


def register_own_company(
    database: Database, company_rut: str, name: str, username: str | None = None
) -> bool:
    """Record (or rename) an own company; True when it is new."""
    normal = rut.normalize(company_rut)
    clean_name = " ".join(name.split())
    if not clean_name:
        raise InvalidValue(field="--company-name", value=name)
    with database.write() as session:
        actor = audit.resolve_actor(session, username)
        company = session.scalar(select(OwnCompany).where(OwnCompany.rut == normal))
        if company is None:
            session.add(OwnCompany(rut=normal, name=clean_name))
            audit.record(
                session, actor, "own_company", normal, "create", after={"name": clean_name}
            )
            return True
        if company.name != clean_name:
            before = {"name": company.name}
            company.name = clean_name
            audit.record(
                session,
                actor,
                "own_company",
                normal,
                "update",
                before=before,
                after={"name": clean_name},
            )
        return False


def own_ruts(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(OwnCompany.rut).order_by(OwnCompany.rut)))
