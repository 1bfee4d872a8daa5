"""The city council: its members (public person records) and their mandates."""
