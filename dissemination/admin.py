"""Admin of the Dissemination area; every ModelAdmin is scoped to the user's institutions."""
