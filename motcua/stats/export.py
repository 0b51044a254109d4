"""Biểu 06a as XLSX (the form's merged headers, byte-stable) and as PDF (WeasyPrint, A4
landscape), and the drill-down list as XLSX. Both read `form06a.lines`: one layout."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone

from motcua.catalog.exchange import _without_timestamps
from motcua.stats import form06a

TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
FORM = "Biểu số 06a/VPCP/KSTT"


def _period_line(report: dict) -> str:
    p = report["period"]
    return f"Kỳ báo cáo: từ ngày {form06a._vn_date(p['from'])} đến ngày {form06a._vn_date(p['to'])}"


def xlsx(report: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "06a"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    n_cols = 2 + len(form06a.CELL_METRICS)
    sheet.cell(row=1, column=n_cols, value=FORM).font = Font(italic=True)
    sheet.cell(row=2, column=1, value=TITLE).font = bold
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n_cols)
    sheet.cell(row=2, column=1).alignment = centre
    sheet.cell(row=3, column=1, value=_period_line(report)).alignment = centre
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=n_cols)
    top, sub = 5, 6
    for column, label in ((1, "STT"), (2, "Đơn vị")):
        sheet.cell(row=top, column=column, value=label)
        sheet.merge_cells(start_row=top, start_column=column, end_row=sub, end_column=column)
    column = 3
    for title, subs in form06a.HEADER:
        sheet.cell(row=top, column=column, value=title)
        if len(subs) == 1:
            sheet.merge_cells(start_row=top, start_column=column, end_row=sub, end_column=column)
        else:
            end = column + len(subs) - 1
            sheet.merge_cells(start_row=top, start_column=column, end_row=top, end_column=end)
            for offset, (label, _) in enumerate(subs):
                sheet.cell(row=sub, column=column + offset, value=label)
        column += len(subs)
    for row in sheet.iter_rows(min_row=top, max_row=sub, max_col=n_cols):
        for cell in row:
            cell.alignment, cell.border, cell.font = centre, border, bold
    # The column numbers under the headers, as the form prints them: (1), (2) …
    for column in range(1, n_cols + 1):
        cell = sheet.cell(row=sub + 1, column=column, value=f"({column})")
        cell.alignment, cell.border = centre, border
    row_number = sub + 2
    for line in form06a.lines(report):
        if line["style"] == "section":
            cell = sheet.cell(row=row_number, column=1, value=line["label"])
            cell.font = bold
            sheet.merge_cells(
                start_row=row_number, start_column=1, end_row=row_number, end_column=n_cols
            )
        else:
            cells = [line["number"], line["label"], *line["values"]]
            for column, value in enumerate(cells, start=1):
                cell = sheet.cell(row=row_number, column=column, value=value)
                cell.border = border
                if line["style"] != "row":
                    cell.font = bold
            rate = sheet.cell(row=row_number, column=n_cols)
            rate.number_format = "0.00%"
        row_number += 1
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 42
    sheet.freeze_panes = sheet.cell(row=sub + 2, column=3)
    out = io.BytesIO()
    workbook.save(out)
    return _without_timestamps(out.getvalue(), workbook)


def pdf(report: dict) -> bytes:
    from motcua.dossiers.printing import render_pdf

    return render_pdf("stats/print_06a.html", print_context(report))


def print_context(report: dict) -> dict:
    today = timezone.localdate()
    rows = []
    for line in form06a.lines(report):
        if line["style"] == "section":
            rows.append({**line, "cells": []})
            continue
        cells = [
            form06a.cell_text(m, v)
            for m, v in zip(form06a.CELL_METRICS, line["values"], strict=True)
        ]
        rows.append({**line, "cells": cells})
    return {
        "form": FORM,
        "title": TITLE,
        "period": _period_line(report),
        "header": form06a.HEADER,
        "column_numbers": range(1, 3 + len(form06a.CELL_METRICS)),
        "rows": rows,
        "province": settings.MOTCUA["PROVINCE_NAME"],
        "date_line": f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
    }


LIST_COLUMNS = (
    "Mã hồ sơ",
    "Thủ tục",
    "Cơ quan giải quyết",
    "Hình thức nộp",
    "Trạng thái",
    "Tiếp nhận",
    "Hạn giải quyết",
    "Kết thúc xử lý",
    "Kết quả",
)


def list_xlsx(rows) -> bytes:
    """The dossiers behind a number: one line each (rows of `views.list_rows`)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "ho-so"
    sheet.append(list(LIST_COLUMNS))
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # a value starting "=" is text here, never a formula
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return _without_timestamps(out.getvalue(), workbook)
