"""School years (seeded) and each partner's per-year configuration."""
