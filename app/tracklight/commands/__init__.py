"""One module per command group of the `tracklight` CLI; each exposes register(subparsers)."""
