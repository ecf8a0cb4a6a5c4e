"""The data model: plain dataclasses, no imports from the rest of the project."""
