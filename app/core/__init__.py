"""Cross-cutting pieces: database helpers, time, audit log, security, errors, i18n."""
