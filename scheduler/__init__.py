"""The service around the check: ``linkwacht schedule`` (APScheduler, a lock in the
database, the check as a child process), entry states across runs, e-mail digests with an
outbox, and ``linkwacht ack``. See service.py for the path of one scheduled check."""
