"""Sense: take orders and signals in, store them raw, and turn them into canonical form."""
