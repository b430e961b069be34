"""Entrypoints: the HTTP API, the web pages, the command line."""
