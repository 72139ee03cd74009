"""The completion service: from a document and a cursor to ranked suggestions, without the LSP."""
