"""Pages of the registry, one module per page family."""
