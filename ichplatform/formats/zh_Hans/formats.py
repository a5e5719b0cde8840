# Django's zh-Hans formats group no digits (THOUSAND_SEPARATOR = ""); view counts run to
# millions here, so group by three with commas, as Chinese data dashboards commonly do.
# Dates and everything else come from Django's zh_Hans formats (2026年11月28日).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
