"""LSP handlers, one concern per module; each module has a ``register(server)``."""
