"""The benchmark of Glas (``make bench``): seeded data at municipal scale, gunicorn, wrk."""
