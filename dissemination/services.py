"""Writes of the Dissemination area: keyword-only arguments, one transaction each, audited."""
