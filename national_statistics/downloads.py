"""Tables as a file download: the same writers (disclosure.exports) for every statistics page."""

from collections.abc import Sequence

from django.http import Http404, HttpResponse

from disclosure import exports

FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def attachment(content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def tables_download(tables: Sequence[exports.ExportTable], *, file_format: str, name: str, title: str) -> HttpResponse:
    """The tables as `name`.`file_format`; an unknown format is not found."""
    if file_format not in FORMATS:
        raise Http404
    response = attachment(CONTENT_TYPES[file_format], f"{name}.{file_format}")
    if file_format == "pdf":
        exports.write_pdf(tables, response, title=title)
    elif file_format == "xlsx":
        exports.write_xlsx(tables, response)
    else:
        exports.write_csv(tables, response)
    return response
