"""The audit trail: an append-only record of every action on a landing zone, with its actor.

`AuditLog` (log.py) writes the entries to `lz_audit` and, once each is stored, as one JSON line
on the `landingzone.audit` logger; `GET /v1/audit` (api/routes/audit.py) reads them back.
"""
