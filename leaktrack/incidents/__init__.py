"""The incident record: fields, status workflow, notes, pages and API."""
