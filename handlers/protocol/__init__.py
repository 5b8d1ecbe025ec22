"""Protocol import: read a protocol file and plan the follow-up actions it assigns.

`readers.read_document` turns a file into tables and text; `extract.plan_import` finds the
follow-up table and turns it into an `ImportPlan`. Storing the plan is the caller's job.
"""

from handlers.protocol.extract import ImportPlan, InfoItem, PlannedAction, fingerprint, plan_import
from handlers.protocol.meeting import MeetingInfo
from handlers.protocol.readers import Document, Table, read_document

__all__ = [
    "Document",
    "ImportPlan",
    "InfoItem",
    "MeetingInfo",
    "PlannedAction",
    "Table",
    "fingerprint",
    "plan_import",
    "read_document",
]
