"""Interpret: run detectors over an order in its context and say what is wrong and why."""
