"""One module per exception code."""
