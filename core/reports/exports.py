"""Showing and exporting report results: value formatting, the PDF (xhtml2pdf) and the Excel workbook (openpyxl).

Every Excel cell of text goes through ``write_cell``, which stores text that a spreadsheet could run as a formula
(starting =, +, -, @, tab or carriage return) as plain text.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

from flask import current_app, render_template

from core.plugins import REPORT_COLUMN_TYPES, ReportResult
from core.types import LONDON

#: first characters that make a spreadsheet treat text as a formula (OWASP CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Excel number formats by column type
EXCEL_FORMATS = {
    "integer": "#,##0",
    "number": "#,##0.0",
    "percent": "0.0%",
    "money": '"£"#,##0.00;-"£"#,##0.00',
    "date": "d mmmm yyyy",
}


def format_money(pence: int) -> str:
    """Integer pence as pounds, e.g. 123456 -> "£1,234.56" and -250 -> "-£2.50"."""
    sign = "-" if pence < 0 else ""
    pounds, pence_part = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{pence_part:02d}"


def format_value(value: Any, column_type: str) -> str:
    """A value as people read it on screen and in the PDF; None is an empty cell."""
    if value is None:
        return ""
    if column_type == "money":
        return format_money(value)
    if column_type == "integer":
        return f"{int(value):,}"
    if column_type == "number":
        return f"{value:,.1f}"
    if column_type == "percent":
        return f"{value * 100:.1f}%"
    if column_type == "date":
        return f"{value:%-d %B %Y}"
    return str(value)


def is_numeric(column_type: str) -> bool:
    """Whether a column's cells are right-aligned numbers."""
    return column_type in {"integer", "number", "percent", "money"}


def column_widths(columns) -> list[int]:
    """Percentage widths for a PDF table (xhtml2pdf shares space evenly otherwise): text wider than numbers."""
    weights = [3 if column.type == "text" else 2 if column.type == "date" else 1.5 for column in columns]
    total = sum(weights)
    return [round(100 * weight / total) for weight in weights]


def check_result(result: ReportResult) -> None:
    """Refuse a result whose rows do not fit its columns, so a module's mistake shows at once, not in a file."""
    for table in result.tables:
        for column in table.columns:
            if column.type not in REPORT_COLUMN_TYPES:
                raise ValueError(f'Report column "{column.label}" has the unknown type "{column.type}".')
        for row in [*table.rows, *([table.totals] if table.totals is not None else [])]:
            if len(row) != len(table.columns):
                raise ValueError(
                    f'A row of the table "{table.title}" has {len(row)} values for {len(table.columns)} columns.'
                )


def render_pdf(result: ReportResult, generated_by: str, generated_at: datetime) -> bytes:
    """The result as a PDF: table-based HTML within xhtml2pdf's CSS subset, headers repeated on each page."""
    from xhtml2pdf import pisa

    html = render_template(
        "reports/pdf.html", result=result, format_value=format_value, is_numeric=is_numeric,
        column_widths=column_widths,
        generated_by=generated_by, generated_at=generated_at.astimezone(LONDON),
        organisation=current_app.config.get("ORGANISATION_NAME", ""),
    )
    output = io.BytesIO()
    status = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if status.err:
        raise RuntimeError(f"The PDF of the report {result.title!r} could not be made ({status.err} errors).")
    return output.getvalue()


def write_cell(sheet, row: int, column: int, value: Any, column_type: str = "text"):
    """Write one cell; text a spreadsheet would treat as a formula is stored as plain text."""
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if column_type == "money":
        cell.value = int(value) / 100
    elif column_type in {"integer", "number", "percent"}:
        cell.value = value
    elif column_type == "date":
        cell.value = value if isinstance(value, date) else str(value)
    else:
        text = str(value)
        cell.value = text
        if text.startswith(FORMULA_STARTS):
            # openpyxl stores any string starting "=" as a formula: force text, and mark it so Excel keeps it text
            cell.data_type = "s"
            cell.quotePrefix = True
    if column_type in EXCEL_FORMATS:
        cell.number_format = EXCEL_FORMATS[column_type]
    return cell


def _sheet_title(title: str, used: set[str]) -> str:
    # excel sheet names: at most 31 characters, none of []:*?/\, unique without regard to case
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip() or "Table"
    candidate, number = base, 2
    while candidate.lower() in used:
        candidate = f"{base[:27].strip()} {number}"
        number += 1
    used.add(candidate.lower())
    return candidate


def render_xlsx(result: ReportResult, generated_by: str, generated_at: datetime) -> bytes:
    """The result as an Excel workbook: a first sheet saying what it is, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    about = workbook.active
    about.title = "About"
    write_cell(about, 1, 1, result.title).font = Font(bold=True, size=14)
    line = 3
    for label, value in result.parameters:
        write_cell(about, line, 1, label).font = bold
        write_cell(about, line, 2, value)
        line += 1
    write_cell(about, line, 1, "Produced by").font = bold
    write_cell(about, line, 2, generated_by)
    write_cell(about, line + 1, 1, "Produced at").font = bold
    write_cell(about, line + 1, 2, f"{generated_at.astimezone(LONDON):%-d %B %Y %H:%M}")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 60

    used: set[str] = {"about"}
    for table in result.tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        for index, column in enumerate(table.columns, start=1):
            write_cell(sheet, 1, index, column.label).font = bold
            # wide enough for the heading and the longest value as shown on screen, within reason
            longest = max((len(format_value(row[index - 1], column.type)) for row in table.rows), default=0)
            letter = sheet.cell(row=1, column=index).column_letter
            sheet.column_dimensions[letter].width = min(60, max(10, len(column.label) + 2, longest + 2))
        for row_number, row in enumerate(table.rows, start=2):
            for index, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
                write_cell(sheet, row_number, index, value, column.type)
        if table.totals is not None:
            total_row = len(table.rows) + 2
            for index, (column, value) in enumerate(zip(table.columns, table.totals, strict=True), start=1):
                write_cell(sheet, total_row, index, value, column.type).font = bold
        sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
