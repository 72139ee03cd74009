"""The embedded models: registry, assembly and verification, GGUF metadata."""
