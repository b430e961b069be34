"""One module per exception code the simulator injects, labels or works (docs/extending.md)."""
