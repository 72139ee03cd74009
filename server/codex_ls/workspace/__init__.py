"""The workspace on disk: the files worth reading, their top-level definitions and imports, and
the repository context chosen for a completion from them. Knows paths and text, never the LSP."""
