"""Models of the Generation area. Every row belongs to an institution (accounts.InstitutionOwned)."""
