"""Admin of the Generation area; every ModelAdmin is scoped to the user's institutions."""
