"""Command-line twins of the detail screen's work keys, for integrations and bulk work:
``payment add``, ``payments import``, ``hold``, ``task``, ``dispute`` and ``script``.
They act as the configured user (``TOTALFACT_USER`` / ``--user``) through the same
services as the screens; ``--json`` prints a machine-readable result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from totalfact_tui.cli.agenda_cmd import parse_day
from totalfact_tui.cli.output import Column, OutputFormat, emit, json_default
from totalfact_tui.cli.state import CliState
from totalfact_tui.domain.errors import InvalidValue
from totalfact_tui.domain.money import format_clp
from totalfact_tui.i18n import format_date, t

Json = Annotated[bool, typer.Option("--json", help="JSON")]
Fmt = Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))]

HOLD_COLUMNS = (
    Column("id", "work.col.id", "int"),
    Column("customer", "agenda.col.customer"),
    Column("folio", "work.col.folio", "int"),
    Column("until", "work.col.until", "date"),
    Column("reason", "work.col.reason"),
)
TASK_COLUMNS = (
    Column("id", "work.col.id", "int"),
    Column("customer", "agenda.col.customer"),
    Column("folio", "work.col.folio", "int"),
    Column("description", "work.col.description"),
    Column("owner", "work.col.owner"),
    Column("due", "work.col.due", "date"),
    Column("status", "work.col.status"),
    Column("overdue", "work.col.overdue", "bool"),
)
DISPUTE_COLUMNS = (
    Column("id", "work.col.id", "int"),
    Column("customer", "agenda.col.customer"),
    Column("folios", "work.col.folio"),
    Column("reason", "work.col.reason"),
    Column("follow_up", "work.col.follow_up", "date"),
    Column("status", "work.col.status"),
    Column("outcome", "work.col.outcome"),
)
IMPORT_COLUMNS = (
    Column("line", "work.col.line", "int"),
    Column("status", "work.col.status"),
    Column("amount", "work.col.amount", "money"),
    Column("folios", "work.col.folio"),
    Column("detail", "work.col.detail"),
)
SCRIPT_COLUMNS = (Column("segment", "work.col.segment"), Column("body", "work.col.body"))


def _print(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=json_default))


def _invoice(state: CliState, issuer: str, dte_type: int, folio: int) -> int:
    from totalfact_tui.services.invoices import get_document_id

    return get_document_id(state.database(), issuer, dte_type, folio)


def _lead(state: CliState) -> int:
    return int(state.config.get("preventive_lead_days"))


def register(app: typer.Typer) -> None:
    _register_customer(app)
    _register_payments(app)
    _register_holds(app)
    _register_tasks(app)
    _register_disputes(app)
    _register_scripts(app)


def _register_customer(app: typer.Typer) -> None:
    customer = typer.Typer(help=t("help.customer"), no_args_is_help=True)
    app.add_typer(customer, name="customer")

    @customer.command("set", help=t("help.customer.set"))
    def set_(
        ctx: typer.Context,
        customer_rut: Annotated[str, typer.Argument()],
        email: Annotated[str | None, typer.Option("--email", help=t("help.customer.email"))] = None,
        lang: Annotated[str | None, typer.Option("--lang", help=t("help.lang"))] = None,
        segment: Annotated[str | None, typer.Option("--segment")] = None,
        reminders: Annotated[
            bool | None,
            typer.Option("--reminders/--no-reminders", help=t("help.customer.reminders")),
        ] = None,
    ) -> None:
        from totalfact_tui.services.customers import CustomerChanges, update_customer
        from totalfact_tui.services.invoices import customer_id_by_rut

        state: CliState = ctx.obj
        database = state.database()
        update_customer(
            database,
            state.user,
            customer_id_by_rut(database, customer_rut),
            CustomerChanges(
                email=email,
                lang=lang,
                segment=segment,
                no_email=None if reminders is None else not reminders,
            ),
        )
        typer.echo(t("customer.updated", rut=customer_rut))


def _register_payments(app: typer.Typer) -> None:
    payment = typer.Typer(help=t("help.payment"), no_args_is_help=True)
    app.add_typer(payment, name="payment")

    @payment.command("add", help=t("help.payment.add"))
    def add(
        ctx: typer.Context,
        issuer_rut: Annotated[str, typer.Argument()],
        dte_type: Annotated[int, typer.Argument()],
        folio: Annotated[int, typer.Argument()],
        amount: Annotated[int, typer.Option("--amount", help=t("help.payment.amount"))],
        day: Annotated[str | None, typer.Option("--date", help=t("help.payment.date"))] = None,
        method: Annotated[str, typer.Option("--method", help=t("help.payment.method"))] = (
            "transfer"
        ),
        reference: Annotated[
            str | None, typer.Option("--reference", help=t("help.payment.reference"))
        ] = None,
        to_confirm: Annotated[
            bool, typer.Option("--to-confirm", help=t("help.payment.to_confirm"))
        ] = False,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.payments import PaymentForm, record_payment

        state: CliState = ctx.obj
        today = state.today()
        document_id = _invoice(state, issuer_rut, dte_type, folio)
        recorded = record_payment(
            state.database(),
            state.user,
            PaymentForm(
                (document_id,),
                amount,
                parse_day(day, today),
                method,
                reference,
                to_confirm=to_confirm,
            ),
            today,
            _lead(state),
        )
        if as_json:
            _print(
                {
                    "payment": recorded.payment_id,
                    "status": recorded.status,
                    "applied": sum(recorded.allocations.values()),
                    "credit": recorded.credit,
                }
            )
        else:
            typer.echo(
                t(
                    "work.payment_recorded",
                    id=recorded.payment_id,
                    folio=folio,
                    applied=sum(recorded.allocations.values()),
                    credit=recorded.credit,
                )
            )

    for verb, helper in (("confirm", "confirm_payment"), ("reject", "reject_payment")):
        _register_settle(payment, verb, helper)

    @payment.command("reverse", help=t("help.payment.reverse"))
    def reverse(
        ctx: typer.Context,
        payment_id: Annotated[int, typer.Argument()],
        comment: Annotated[str | None, typer.Option("--comment")] = None,
    ) -> None:
        from totalfact_tui.services.payments import reverse_payment

        state: CliState = ctx.obj
        reverse_payment(
            state.database(), state.user, payment_id, state.today(), comment, _lead(state)
        )
        typer.echo(t("work.payment_reversed", id=payment_id))

    payments = typer.Typer(help=t("help.payments"), no_args_is_help=True)
    app.add_typer(payments, name="payments")

    @payments.command("import", help=t("help.payments.import"))
    def import_(
        ctx: typer.Context,
        path: Annotated[Path, typer.Argument()],
        dry_run: Annotated[bool, typer.Option("--dry-run", help=t("help.dry_run"))] = False,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.payments_import import import_payments

        state: CliState = ctx.obj
        summary = import_payments(
            state.database(),
            state.user,
            path,
            state.today(),
            dry_run=dry_run,
            lead_days=_lead(state),
        )
        if as_json:
            _print(summary.as_dict())
            return
        rows = [
            {
                "line": r.line,
                "status": t(f"work.import.{r.status}"),
                "amount": r.amount,
                "folios": ", ".join(str(f) for f in r.folios),
                "detail": _import_detail(r),
            }
            for r in summary.results
        ]
        emit(rows, IMPORT_COLUMNS, OutputFormat.TABLE)
        typer.echo(t("work.import.summary", **summary.as_dict()))
        if dry_run:
            typer.echo(t("work.import.dry_run"))


def _import_detail(result: Any) -> str:
    if result.reason:
        return t(result.reason)
    if result.credit:
        return t("work.import.credit", credit=format_clp(result.credit))
    return ""


def _register_settle(group: typer.Typer, verb: str, helper: str) -> None:
    @group.command(verb, help=t(f"help.payment.{verb}"))
    def settle(
        ctx: typer.Context,
        payment_id: Annotated[int, typer.Argument()],
    ) -> None:
        from totalfact_tui.services import payments

        state: CliState = ctx.obj
        getattr(payments, helper)(state.database(), state.user, payment_id, state.today())
        typer.echo(t(f"work.payment_{verb}ed", id=payment_id))


def _register_holds(app: typer.Typer) -> None:
    hold = typer.Typer(help=t("help.hold"), no_args_is_help=True)
    app.add_typer(hold, name="hold")

    @hold.command("add", help=t("help.hold.add"))
    def add(
        ctx: typer.Context,
        until: Annotated[str, typer.Option("--until", help=t("help.hold.until"))],
        reason: Annotated[str, typer.Option("--reason", help=t("help.hold.reason"))],
        customer: Annotated[
            str | None, typer.Option("--customer", help=t("help.hold.customer"))
        ] = None,
        invoice: Annotated[
            tuple[str, int, int] | None,
            typer.Option("--invoice", help=t("help.hold.invoice")),
        ] = None,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.holds import add_hold
        from totalfact_tui.services.invoices import customer_id_by_rut

        state: CliState = ctx.obj
        today = state.today()
        if (customer is None) == (invoice is None):
            raise InvalidValue("hold.one_target")
        database = state.database()
        ids = add_hold(
            database,
            state.user,
            until=parse_day(until, today),
            reason=reason,
            today=today,
            customer_id=customer_id_by_rut(database, customer) if customer else None,
            document_ids=(_invoice(state, *invoice),) if invoice else (),
        )
        if as_json:
            _print({"holds": ids})
        else:
            typer.echo(t("work.hold_added", ids=", ".join(map(str, ids)), until=until))

    @hold.command("list", help=t("help.hold.list"))
    def list_(
        ctx: typer.Context,
        show_all: Annotated[bool, typer.Option("--all", help=t("help.hold.all"))] = False,
        fmt: Fmt = OutputFormat.TABLE,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.holds import list_holds

        state: CliState = ctx.obj
        rows = [
            {
                "id": h.id,
                "customer": h.customer_name,
                "folio": h.folio,
                "until": h.end_date,
                "reason": h.reason,
                "active": not h.lifted,
            }
            for h in list_holds(state.database(), state.today(), active_only=not show_all)
        ]
        emit(
            rows,
            HOLD_COLUMNS,
            OutputFormat.JSON if as_json else fmt,
            empty_message=t("work.no_holds"),
        )

    @hold.command("remove", help=t("help.hold.remove"))
    def remove(
        ctx: typer.Context,
        hold_id: Annotated[int, typer.Argument()],
    ) -> None:
        from totalfact_tui.services.holds import lift_hold

        state: CliState = ctx.obj
        lift_hold(state.database(), state.user, hold_id, state.today())
        typer.echo(t("work.hold_lifted", id=hold_id))


def _register_tasks(app: typer.Typer) -> None:
    task = typer.Typer(help=t("help.task"), no_args_is_help=True)
    app.add_typer(task, name="task")

    @task.command("add", help=t("help.task.add"))
    def add(
        ctx: typer.Context,
        description: Annotated[str, typer.Argument()],
        due: Annotated[str, typer.Option("--due", help=t("help.task.due"))],
        area: Annotated[str | None, typer.Option("--area", help=t("help.task.area"))] = None,
        assignee: Annotated[
            str | None, typer.Option("--assignee", help=t("help.task.assignee"))
        ] = None,
        customer: Annotated[
            str | None, typer.Option("--customer", help=t("help.hold.customer"))
        ] = None,
        invoice: Annotated[
            tuple[str, int, int] | None,
            typer.Option("--invoice", help=t("help.hold.invoice")),
        ] = None,
        no_wait: Annotated[bool, typer.Option("--no-wait", help=t("help.task.no_wait"))] = False,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.invoices import customer_id_by_rut
        from totalfact_tui.services.tasks import TaskForm, add_task

        state: CliState = ctx.obj
        today = state.today()
        database = state.database()
        if (customer is None) == (invoice is None):
            raise InvalidValue("task.needs_target")
        ids = add_task(
            database,
            state.user,
            TaskForm(
                description,
                parse_day(due, today),
                document_ids=(_invoice(state, *invoice),) if invoice else (),
                customer_id=customer_id_by_rut(database, customer) if customer else None,
                area_code=area,
                assignee=assignee,
                wait=not no_wait,
            ),
            today,
        )
        if as_json:
            _print({"tasks": ids})
        else:
            typer.echo(t("work.task_added", ids=", ".join(map(str, ids))))

    @task.command("list", help=t("help.task.list"))
    def list_(
        ctx: typer.Context,
        show_all: Annotated[bool, typer.Option("--all", help=t("help.task.all"))] = False,
        overdue: Annotated[bool, typer.Option("--overdue", help=t("help.task.overdue"))] = False,
        mine: Annotated[bool, typer.Option("--mine", help=t("help.task.mine"))] = False,
        fmt: Fmt = OutputFormat.TABLE,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.tasks import list_tasks

        state: CliState = ctx.obj
        rows = [
            {
                "id": v.id,
                "customer": v.customer_name,
                "folio": v.folio,
                "description": v.description,
                "owner": v.assignee or v.area_code,
                "area": v.area_code,
                "assignee": v.assignee,
                "due": v.due_date,
                "status": v.status,
                "overdue": v.overdue,
            }
            for v in list_tasks(
                state.database(),
                state.today(),
                status=None if show_all else "open",
                assignee=state.user if mine else None,
                overdue_only=overdue,
            )
        ]
        emit(
            rows,
            TASK_COLUMNS,
            OutputFormat.JSON if as_json else fmt,
            empty_message=t("work.no_tasks"),
        )

    @task.command("done", help=t("help.task.done"))
    def done(ctx: typer.Context, task_id: Annotated[int, typer.Argument()]) -> None:
        from totalfact_tui.services.tasks import complete_task

        state: CliState = ctx.obj
        complete_task(state.database(), state.user, task_id, state.today())
        typer.echo(t("work.task_done", id=task_id))


def _register_disputes(app: typer.Typer) -> None:
    dispute = typer.Typer(help=t("help.dispute"), no_args_is_help=True)
    app.add_typer(dispute, name="dispute")

    @dispute.command("open", help=t("help.dispute.open"))
    def open_(
        ctx: typer.Context,
        issuer_rut: Annotated[str, typer.Argument()],
        dte_type: Annotated[int, typer.Argument()],
        folio: Annotated[int, typer.Argument()],
        reason: Annotated[str, typer.Option("--reason", help=t("help.dispute.reason"))],
        follow_up: Annotated[str, typer.Option("--follow-up", help=t("help.dispute.follow_up"))],
        comment: Annotated[str | None, typer.Option("--comment")] = None,
        task_area: Annotated[
            str | None, typer.Option("--task-area", help=t("help.dispute.task_area"))
        ] = None,
        task: Annotated[str | None, typer.Option("--task", help=t("help.dispute.task"))] = None,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.disputes import DisputeForm, open_dispute
        from totalfact_tui.services.tasks import TaskForm

        state: CliState = ctx.obj
        today = state.today()
        follow = parse_day(follow_up, today)
        task_form = (
            TaskForm(task or comment or reason, follow, area_code=task_area) if task_area else None
        )
        dispute_id = open_dispute(
            state.database(),
            state.user,
            DisputeForm(
                (_invoice(state, issuer_rut, dte_type, folio),),
                reason,
                follow,
                comment,
                task=task_form,
            ),
            today,
            _lead(state),
        )
        if as_json:
            _print({"dispute": dispute_id})
        else:
            typer.echo(t("work.dispute_opened", id=dispute_id, follow=format_date(follow)))

    @dispute.command("resolve", help=t("help.dispute.resolve"))
    def resolve(
        ctx: typer.Context,
        issuer_rut: Annotated[str, typer.Argument()],
        dte_type: Annotated[int, typer.Argument()],
        folio: Annotated[int, typer.Argument()],
        outcome: Annotated[str, typer.Option("--outcome", help=t("help.dispute.outcome"))],
        comment: Annotated[str | None, typer.Option("--comment")] = None,
        next_day: Annotated[str | None, typer.Option("--next", help=t("help.action.next"))] = None,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.disputes import resolve_dispute

        state: CliState = ctx.obj
        today = state.today()
        resolved = resolve_dispute(
            state.database(),
            state.user,
            (_invoice(state, issuer_rut, dte_type, folio),),
            outcome,
            today,
            comment,
            parse_day(next_day, today) if next_day else None,
            _lead(state),
        )
        if as_json:
            _print({"resolved": resolved})
        else:
            typer.echo(t("work.dispute_resolved", folio=folio))

    @dispute.command("list", help=t("help.dispute.list"))
    def list_(
        ctx: typer.Context,
        show_all: Annotated[bool, typer.Option("--all", help=t("help.dispute.all"))] = False,
        fmt: Fmt = OutputFormat.TABLE,
        as_json: Json = False,
    ) -> None:
        from totalfact_tui.services.disputes import list_disputes

        state: CliState = ctx.obj
        rows = [
            {
                "id": d.id,
                "customer": d.customer_name,
                "folios": ", ".join(map(str, d.folios)),
                "reason": d.reason_code,
                "follow_up": d.follow_up_date,
                "status": d.status,
                "outcome": d.outcome,
                "comment": d.comment,
            }
            for d in list_disputes(state.database(), status=None if show_all else "open")
        ]
        emit(
            rows,
            DISPUTE_COLUMNS,
            OutputFormat.JSON if as_json else fmt,
            empty_message=t("work.no_disputes"),
        )


def _register_scripts(app: typer.Typer) -> None:
    script = typer.Typer(help=t("help.script"), no_args_is_help=True)
    app.add_typer(script, name="script")

    @script.command("set", help=t("help.script.set"))
    def set_(
        ctx: typer.Context,
        segment: Annotated[str, typer.Argument(help=t("help.script.segment"))],
        text: Annotated[str, typer.Argument()],
    ) -> None:
        from totalfact_tui.services.call_scripts import set_script

        state: CliState = ctx.obj
        set_script(state.database(), state.user, segment, text)
        typer.echo(t("work.script_set", segment=segment))

    @script.command("list", help=t("help.script.list"))
    def list_(ctx: typer.Context, fmt: Fmt = OutputFormat.TABLE) -> None:
        from totalfact_tui.services.call_scripts import list_scripts

        state: CliState = ctx.obj
        rows = [{"segment": s.segment, "body": s.body} for s in list_scripts(state.database())]
        emit(rows, SCRIPT_COLUMNS, fmt, empty_message=t("work.no_scripts"))

    @script.command("remove", help=t("help.script.remove"))
    def remove(ctx: typer.Context, segment: Annotated[str, typer.Argument()]) -> None:
        from totalfact_tui.services.call_scripts import remove_script

        state: CliState = ctx.obj
        remove_script(state.database(), state.user, segment)
        typer.echo(t("work.script_removed", segment=segment))
