"""Model backends: one module per wire protocol behind :class:`base.Backend`."""
