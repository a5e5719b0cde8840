# English pages keep ISO dates (2026-11-28): the platform's users are international and US
# month/day order is ambiguous to most of them. Templates use the named formats
# (`|date:"SHORT_DATE_FORMAT"`), so zh-Hans pages get Django's Chinese formats.
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
