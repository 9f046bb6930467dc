"""Framework-free helpers: no Django, no app imports."""
