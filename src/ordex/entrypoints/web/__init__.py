"""Server-rendered pages of the control tower."""
