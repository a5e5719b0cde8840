"""Models of the Learn (fsQCA) area. Every row belongs to an institution (accounts.InstitutionOwned)."""
