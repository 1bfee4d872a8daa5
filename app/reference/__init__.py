"""Reference data an administrator edits: topics, local communities, rejection reasons."""
