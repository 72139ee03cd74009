"""The LSP face: the only code that knows pygls and the server object."""
