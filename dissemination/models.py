"""Models of the Dissemination area. Every row belongs to an institution (accounts.InstitutionOwned)."""
