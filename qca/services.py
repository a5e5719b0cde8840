"""Writes of the Learn (fsQCA) area: keyword-only arguments, one transaction each, audited."""
