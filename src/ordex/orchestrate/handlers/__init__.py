"""Command handlers, one module per area: intake, signals that change context, cases."""
