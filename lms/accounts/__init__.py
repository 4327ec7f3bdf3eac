"""Accounts: users, roles, passwords, login, reset and first-run setup."""
