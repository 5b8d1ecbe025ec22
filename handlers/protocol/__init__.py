"""Protocol import: read a protocol file and plan the follow-up actions it assigns.

`readers.read_document` turns a file into tables and text; `extract.plan_import` finds the
follow-up table and turns it into an `ImportPlan`. Storing the plan is someone else's job.
"""
