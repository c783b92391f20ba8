"""``totalfact report kpis|aging|collectors|contact-hours|debtors|customer``: the
managers' figures (docs/kpis.md). JSON keys are the metric names of docs/kpis.md; CSV
and XLSX hold the same numbers, unformatted."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from totalfact_tui.cli.agenda_cmd import parse_day
from totalfact_tui.cli.output import (
    Column,
    OutputFormat,
    Table,
    console,
    emit_tables,
    json_default,
)
from totalfact_tui.cli.state import CliState
from totalfact_tui.i18n import t

if TYPE_CHECKING:
    from totalfact_tui.services.reports import ContactCell, CustomerProfile

AsOf = Annotated[str | None, typer.Option("--as-of", help=t("help.report.as_of"))]
From = Annotated[str | None, typer.Option("--from", help=t("help.report.from"))]
To = Annotated[str | None, typer.Option("--to", help=t("help.report.to"))]
Collector = Annotated[str | None, typer.Option("--collector", help=t("help.report.collector"))]
Format = Annotated[OutputFormat, typer.Option("--format", help=t("help.format"))]
Output = Annotated[Path | None, typer.Option("--output", help=t("help.output"))]


def register(app: typer.Typer) -> None:
    report = typer.Typer(help=t("help.report"), no_args_is_help=True)
    app.add_typer(report, name="report")

    @report.command("kpis", help=t("help.report.kpis"))
    def kpis(
        ctx: typer.Context,
        as_of: AsOf = None,
        days: Annotated[int, typer.Option("--days", help=t("help.report.days"))] = 90,
        collector: Collector = None,
        first: From = None,
        last: To = None,
        fmt: Format = OutputFormat.TABLE,
        output: Output = None,
    ) -> None:
        from totalfact_tui.services.reports import kpis as figures

        state: CliState = ctx.obj
        day = parse_day(as_of, state.today())
        start, end = _period(first, last, day)
        values = figures(state.database(), day, days, _collector(state, collector), start, end)
        if fmt is OutputFormat.JSON:
            _write_json(values, output)
            return
        emit_tables([metric_table("kpis", "report.title.kpis", flatten(values), fmt)], fmt, output)

    @report.command("aging", help=t("help.report.aging"))
    def aging(
        ctx: typer.Context,
        as_of: AsOf = None,
        collector: Collector = None,
        fmt: Format = OutputFormat.TABLE,
        output: Output = None,
    ) -> None:
        from totalfact_tui.services.reports import kpis as figures

        state: CliState = ctx.obj
        day = parse_day(as_of, state.today())
        values = figures(state.database(), day, collector_id=_collector(state, collector))
        buckets = values["aging"] | {"open_balance": values["open_balance"]}
        if fmt is OutputFormat.JSON:
            _write_json(buckets, output)
            return
        rows = [{"bucket": name, "balance": value} for name, value in buckets.items()]
        emit_tables([Table("aging", "report.title.aging", AGING_COLUMNS, rows)], fmt, output)

    @report.command("debtors", help=t("help.report.debtors"))
    def debtors(
        ctx: typer.Context,
        as_of: AsOf = None,
        limit: Annotated[int, typer.Option("--limit")] = 20,
        fmt: Format = OutputFormat.TABLE,
        output: Output = None,
    ) -> None:
        from totalfact_tui.services.reports import top_debtors

        state: CliState = ctx.obj
        day = parse_day(as_of, state.today())
        rows = top_debtors(state.database(), day, limit, _collector(state, None))
        _emit_one("debtors", "report.title.debtors", DEBTOR_COLUMNS, rows, fmt, output)

    @report.command("collectors", help=t("help.report.collectors"))
    def collectors(
        ctx: typer.Context,
        as_of: AsOf = None,
        first: From = None,
        last: To = None,
        fmt: Format = OutputFormat.TABLE,
        output: Output = None,
    ) -> None:
        from totalfact_tui.services.reports import collectors as production

        state: CliState = ctx.obj
        start, end = _period(first, last, parse_day(as_of, state.today()))
        rows = production(state.database(), start, end)
        mine = _collector(state, None)
        if mine is not None:
            rows = [row for row in rows if row["user_id"] == mine]
        _emit_one("collectors", "report.title.collectors", COLLECTOR_COLUMNS, rows, fmt, output)

    @report.command("contact-hours", help=t("help.report.contact_hours"))
    def contact_hours(
        ctx: typer.Context,
        as_of: AsOf = None,
        first: From = None,
        last: To = None,
        collector: Collector = None,
        fmt: Format = OutputFormat.TABLE,
        output: Output = None,
    ) -> None:
        from totalfact_tui.services.reports import contact_hours as hours

        state: CliState = ctx.obj
        day = parse_day(as_of, state.today())
        start, end = _period(first, last, day, default_days=90)
        timezone = state.config.get("timezone")
        cells = hours(state.database(), start, end, timezone, _collector(state, collector))
        if fmt is OutputFormat.TABLE and output is None:
            typer.echo(hour_matrix(cells) if cells else t("report.nothing"))
            return
        rows = [
            {
                "weekday": cell.weekday + 1,
                "hour": cell.hour,
                "calls": cell.calls,
                "right_party_contacts": cell.right_party_contacts,
                "right_party_contact_rate": cell.rate,
            }
            for cell in cells
        ]
        _emit_one("contact_hours", "report.title.hours", HOUR_COLUMNS, rows, fmt, output)

    @report.command("customer", help=t("help.report.customer"))
    def customer(
        ctx: typer.Context,
        customer_rut: Annotated[str, typer.Argument(metavar="RUT")],
        as_of: AsOf = None,
        fmt: Format = OutputFormat.TABLE,
        output: Output = None,
    ) -> None:
        from totalfact_tui.services.invoices import customer_id_by_rut
        from totalfact_tui.services.reports import customer_profile

        state: CliState = ctx.obj
        database = state.database()
        day = parse_day(as_of, state.today())
        profile = customer_profile(database, customer_id_by_rut(database, customer_rut), day)
        if fmt is OutputFormat.JSON:
            _write_json(profile_dict(profile), output)
            return
        emit_tables(profile_tables(profile, fmt), fmt, output)


def _period(
    first: str | None, last: str | None, day: date, default_days: int | None = None
) -> tuple[date, date]:
    """[--from, --to]; by default the month of the as-of date up to it (or the
    ``default_days`` days ending on it)."""
    from datetime import timedelta

    end = parse_day(last, day)
    if default_days is not None:
        default_start = end - timedelta(days=default_days - 1)
    else:
        default_start = end.replace(day=1)
    return parse_day(first, default_start), end


def _collector(state: CliState, username: str | None) -> int | None:
    """Whose figures: ``--collector``'s, or the team's; a collector acting sees only
    their own (asking for someone else's is refused)."""
    from totalfact_tui.domain.errors import Forbidden
    from totalfact_tui.services.agenda import person

    database = state.database()
    viewer = person(database, state.user) if state.user else None
    if viewer is not None and not viewer.supervises:
        if username and username != viewer.username:
            raise Forbidden("error.forbidden", action="report")
        return viewer.user_id
    return person(database, username).user_id if username else None


def _write_json(value: Any, output: Path | None) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=json_default) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    from totalfact_tui.domain.errors import TotalfactError

    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise TotalfactError("error.output_file", path=str(output), reason=exc.strerror) from exc


def _emit_one(
    name: str,
    title: str,
    columns: tuple[Column, ...],
    rows: list[dict[str, Any]],
    fmt: OutputFormat,
    output: Path | None,
) -> None:
    if fmt is OutputFormat.TABLE and not rows and output is None:
        typer.echo(t("report.nothing"))
        return
    emit_tables([Table(name, title, columns, rows)], fmt, output)


def flatten(values: dict[str, Any]) -> dict[str, Any]:
    """The KPIs as one level: ``aging`` becomes ``aging.current``, ``aging.1_30``..."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, dict):
            flat |= {f"{name}.{key}": inner for key, inner in value.items()}
        else:
            flat[name] = value
    return flat


def hour_matrix(cells: list[ContactCell]) -> str:
    """Right-party contact rate by local hour (rows) and weekday (columns), with calls."""
    import io

    from rich.table import Table as RichTable

    from totalfact_tui.services.reports import WEEKDAYS

    grid = RichTable(show_edge=False, header_style="bold", title=t("report.title.hours"))
    grid.add_column(t("report.col.hour"))
    for name in WEEKDAYS:
        grid.add_column(t(f"weekday.{name}"), justify="right")
    grid.add_column(t("report.col.calls"), justify="right")
    by_key = {(cell.weekday, cell.hour): cell for cell in cells}
    for hour in sorted({cell.hour for cell in cells}):
        row = [f"{hour:02d}:00"]
        for weekday in range(7):
            cell = by_key.get((weekday, hour))
            row.append(f"{cell.rate:.0f}%" if cell else "")
        row.append(str(sum(cell.calls for cell in cells if cell.hour == hour)))
        grid.add_row(*row)
    printer = console(file=io.StringIO(), width=120)
    printer.print(grid)
    output = printer.file
    assert isinstance(output, io.StringIO)
    return output.getvalue()


def metric_table(name: str, title: str, values: dict[str, Any], fmt: OutputFormat) -> Table:
    """Metric/value rows: named and formatted for the screen, raw keys and numbers for
    files (the keys of docs/kpis.md)."""
    if fmt is OutputFormat.TABLE:
        shown = [
            {"metric": t(f"kpi.{key}"), "value": shown_value(key, value)}
            for key, value in values.items()
        ]
        return Table(name, title, SHOWN_KPI_COLUMNS, shown)
    rows = [{"metric": key, "value": value} for key, value in values.items()]
    return Table(name, title, KPI_COLUMNS, rows)


def shown_value(name: str, value: Any) -> str:
    """A metric as people read it: pesos, one decimal, dates, words."""
    from totalfact_tui.domain.money import format_clp
    from totalfact_tui.i18n import format_date

    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, date):
        return format_date(value)
    money = ("_balance", "_amount", "credit_sales", "promised_collected")
    if isinstance(value, int) and (name.endswith(money) or name.startswith("aging.")):
        return format_clp(value)
    if name == "risk_band":
        return t(f"risk.band.{value}")
    return str(value)


def profile_metrics(profile: CustomerProfile) -> dict[str, Any]:
    habits = profile.habits
    balances = profile.balances
    return {
        "open_balance": balances["open_balance"],
        "overdue_balance": balances["overdue_balance"],
        "overdue_percent": balances["overdue_percent"],
        "open_invoices": balances["open_invoices"],
        "payments": habits.payments,
        "paid_amount": habits.paid_amount,
        "average_days_late": habits.average_days_late,
        "on_time_percent": habits.on_time_percent,
        "promises_kept": habits.promises_kept,
        "promises_broken": habits.promises_broken,
        "promises_open": habits.promises_open,
        "promises_kept_rate": habits.promises_kept_rate,
        "disputes": habits.disputes,
        "open_disputes": habits.open_disputes,
        "risk_score": profile.risk.score,
        "risk_band": profile.risk.band,
    }


def profile_dict(profile: CustomerProfile) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "customer_name": profile.name,
        "customer_rut": profile.rut,
        "as_of": profile.day,
        "profile": profile_metrics(profile),
        "risk": {
            "score": profile.risk.score,
            "band": profile.risk.band,
            "factors": [asdict(factor) for factor in profile.risk.factors],
        },
        "invoices": [asdict(invoice) for invoice in profile.invoices],
    }


def profile_tables(profile: CustomerProfile, fmt: OutputFormat) -> list[Table]:
    from dataclasses import asdict

    factors = [asdict(factor) for factor in profile.risk.factors]
    invoices = [asdict(invoice) for invoice in profile.invoices]
    if fmt is OutputFormat.TABLE:
        for factor in factors:
            factor["code"] = t(f"risk.factor.{factor['code']}")
    return [
        metric_table("profile", "report.title.profile", profile_metrics(profile), fmt),
        Table("risk", "report.title.risk", RISK_COLUMNS, factors),
        Table("invoices", "report.title.predicted", PREDICTION_COLUMNS, invoices),
    ]


KPI_COLUMNS = (
    Column("metric", "report.col.metric"),
    Column("value", "report.col.value", "number"),
)
SHOWN_KPI_COLUMNS = (
    Column("metric", "report.col.metric"),
    Column("value", "report.col.value", "int"),
)
AGING_COLUMNS = (
    Column("bucket", "report.col.bucket"),
    Column("balance", "report.col.balance", "money"),
)
DEBTOR_COLUMNS = (
    Column("customer_name", "agenda.col.customer"),
    Column("customer_rut", "agenda.col.rut"),
    Column("open_balance", "report.col.open", "money"),
    Column("overdue_balance", "report.col.overdue", "money"),
    Column("open_invoices", "dunning.col.invoices", "int"),
    Column("max_days_past_due", "report.col.max_days", "int"),
)
COLLECTOR_COLUMNS = (
    Column("name", "report.col.collector"),
    Column("actions", "report.col.actions", "int"),
    Column("calls", "report.col.calls", "int"),
    Column("right_party_contacts", "report.col.contacts", "int"),
    Column("promises", "report.col.promises", "int"),
    Column("promised_amount", "report.col.promised", "money"),
    Column("promises_kept", "report.col.kept", "int"),
    Column("collected_on_worked_invoices", "report.col.collected", "money"),
    Column("customers_managed", "report.col.customers", "int"),
)
HOUR_COLUMNS = (
    Column("weekday", "report.col.weekday", "int"),
    Column("hour", "report.col.hour", "int"),
    Column("calls", "report.col.calls", "int"),
    Column("right_party_contacts", "report.col.contacts", "int"),
    Column("right_party_contact_rate", "report.col.rate", "number"),
)
RISK_COLUMNS = (
    Column("code", "report.col.factor"),
    Column("value", "report.col.value", "number"),
    Column("points", "report.col.points", "number"),
    Column("max_points", "report.col.max_points", "int"),
)
PREDICTION_COLUMNS = (
    Column("dte_type", "report.col.dte_type", "int"),
    Column("folio", "report.col.folio", "int"),
    Column("issue_date", "report.col.issue_date", "date"),
    Column("due_date", "report.col.due_date", "date"),
    Column("balance", "report.col.balance", "money"),
    Column("days_past_due", "report.col.days_past_due", "int"),
    Column("state", "report.col.state", "state"),
    Column("promise_date", "report.col.promise_date", "date"),
    Column("predicted_payment", "report.col.predicted", "date"),
)
