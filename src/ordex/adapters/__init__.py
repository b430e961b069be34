"""Adapters: storage, ERP connectors and other edges of the world."""
