"""Backups: ``flask backup create|verify|restore``, the database and the uploaded files together.

A backup is a private folder (0700): the database (``pg_dump``'s custom format, or a SQLite
file made with SQLite's online backup API), a copy of UPLOAD_FOLDER and ``manifest.json``,
which records every table's row count, every file's size and SHA-256, and which files rows
name. ``verify`` checks a folder against its manifest; ``restore`` puts it back and then checks
the live site against the same manifest.

The pieces: ``programs`` (pg_dump and pg_restore), ``database`` (one consistent snapshot with
its counts and the files its rows name, and putting it back), ``uploads`` (copying, hashing and
comparing files), ``placing`` (putting a backup's files in the live folder, a mount point
included, and taking them out again), ``manifest`` (what a backup records), ``operations`` (the
three commands' steps) and ``cli``.
"""
