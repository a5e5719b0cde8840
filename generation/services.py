"""Writes of the Generation area: keyword-only arguments, one transaction each, audited."""
