"""The AI service's pure rules: no I/O, no model calls."""
