"""A real SMTP server on loopback for the tests (filled in by the outbox work)."""
