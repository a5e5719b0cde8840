"""Admin of the Learn (fsQCA) area; every ModelAdmin is scoped to the user's institutions."""
