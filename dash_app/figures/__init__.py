"""Figure builders: pure functions from artifact data to `go.Figure` (no I/O, no app state),
one module per page, and `base` for what they share."""
