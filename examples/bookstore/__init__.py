"""Bookstore API: the online shop's backend, ported from Flask to FastAPI."""

__version__ = "1.4.0"
