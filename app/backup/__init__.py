"""Backups: ``flask backup create|verify|restore``, the database and the uploaded files together.

A backup is a folder: the database (``pg_dump``'s custom format, or a SQLite file made with
SQLite's online backup API), a copy of UPLOAD_FOLDER and ``manifest.json``, which records every
table's row count and every file's size and SHA-256. ``verify`` checks a folder against its
manifest; ``restore`` puts it back and then checks the live site against the same manifest.

The pieces: ``programs`` (pg_dump and pg_restore), ``database`` (one consistent snapshot, and
putting it back), ``uploads`` (copying and hashing files, swapping the folder in),
``manifest`` (what a backup records), ``operations`` (the three commands' steps) and ``cli``.
"""
