"""Date formats per language (settings.FORMAT_MODULE_PATH); anything not set here comes from
Django's own locale formats (zh-Hans: 2026年11月28日)."""
