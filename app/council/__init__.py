"""The city council: its body, terms, members (public person records) and groups.

Models only: accounts refer to person records, so this package is imported early. The
public pages of councillors are ``app.councillors``.
"""
