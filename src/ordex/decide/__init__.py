"""Decide: score what each finding puts at risk and choose what happens to it."""
