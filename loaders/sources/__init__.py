"""One module per source: each has a ``SOURCE`` declaration and a ``load(ctx, path)`` function."""
