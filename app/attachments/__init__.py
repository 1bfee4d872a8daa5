"""Stored files: uploads checked by content, kept under UPLOAD_FOLDER, served safely.

Initiatives use it for their pictures and documents, replies for their signed letters and
annexes: ``files`` checks and stores, ``models.StoredFile`` gives a row its columns and ties the
file to the row's transaction, ``serving`` sends it, ``forms`` and ``messages`` talk to people.
"""
