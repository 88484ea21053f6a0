"""Excel (.xlsx) import and export of units, people and memberships.

Imports are all-or-nothing: every row is checked and written inside one transaction; if any row is
bad, nothing is kept and every bad row is reported with its row number, column and a Chinese reason.
A row whose key matches an existing record (unit: credit code, or name in the same region; person:
ID number; membership: the person's ID number) updates it, so exporting a list and importing it again
changes nothing. Exports use the same columns as the import template.
"""

from tongxin.orgs.excel.columns import KINDS, XLSX, Column, ImportRejected, ImportResult, RowError
from tongxin.orgs.excel.exports import EXPORTERS, export_memberships, export_people, export_units, template
from tongxin.orgs.excel.imports import import_file, read_rows

__all__ = [
    "EXPORTERS",
    "KINDS",
    "XLSX",
    "Column",
    "ImportRejected",
    "ImportResult",
    "RowError",
    "export_memberships",
    "export_people",
    "export_units",
    "import_file",
    "read_rows",
    "template",
]
